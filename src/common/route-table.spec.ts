import { RouteTable } from './route-table.js';

describe('RouteTable', () => {
  function table(): RouteTable {
    const routes = new RouteTable();
    routes.add('GET', '/profiles/:source/:id');
    routes.add(['GET', 'HEAD'], '/health/live');
    routes.add('GET', '/docs/*');
    return routes;
  }

  it('should list the methods of the route a path matches, HEAD with GET', () => {
    expect(table().allowedMethods('/profiles/crm/42')).toEqual(['GET', 'HEAD']);
    expect(table().allowedMethods('/profiles/crm/team%2Falpha?include=raw')).toEqual(['GET', 'HEAD']);
    expect(table().allowedMethods('/docs/swagger-ui.css')).toEqual(['GET', 'HEAD']);
  });

  it('should pick up a route added later, such as a purge on the same path', () => {
    const routes = table();
    routes.add('DELETE', '/profiles/:source/:id');
    routes.add('POST', '/profiles/batch');

    expect(routes.allowedMethods('/profiles/crm/42')).toEqual(['DELETE', 'GET', 'HEAD']);
    expect(routes.allowedMethods('/profiles/batch')).toEqual(['POST']);
  });

  it.each(['/nowhere', '/profiles/crm', '/profiles/crm/42/extra', '/profiles//42', '/health', '/' + 'a/'.repeat(100)])('should serve no method on %s', (path) => {
    expect(table().allowedMethods(path)).toEqual([]);
  });
});
