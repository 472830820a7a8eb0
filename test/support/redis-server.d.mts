import type { ChildProcess } from 'node:child_process';

export interface RedisProcess {
  url: string;
  port: number;
  pid: number;
  process: ChildProcess;
  stop(): Promise<void>;
}
export function freePort(): Promise<number>;
export function waitForPort(port: number, deadline: number, what?: string): Promise<void>;
export function startRedis(port?: number, extraArgs?: string[]): Promise<RedisProcess>;
