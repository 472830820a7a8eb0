import { LRUCache } from 'lru-cache';

import { entrySizeBytes, type StoredEntry } from './cache-entry.js';

interface MemoryItem {
  entry: StoredEntry;
  expiresAtMs: number;
}

/**
 * The bounded in-process tier: at most `maxItems` entries and `maxBytes` of them (`entrySizeBytes`; the least recently
 * used go first), each until its own expiry. It never holds an older copy over a newer one.
 */
export class MemoryTier {
  private readonly items: LRUCache<string, MemoryItem>;

  constructor(
    maxItems: number,
    private readonly now: () => number,
    maxBytes = Number.MAX_SAFE_INTEGER,
  ) {
    this.items = new LRUCache<string, MemoryItem>({
      max: Math.max(1, maxItems),
      maxSize: Math.max(1, maxBytes),
      sizeCalculation: (item, key) => entrySizeBytes(key, item.entry),
    });
  }

  /** Entries held, and their size in bytes as counted against `maxBytes`. */
  get usage(): { items: number; bytes: number } {
    return { items: this.items.size, bytes: this.items.calculatedSize };
  }

  /** The copy of `key` while it has not expired. */
  get(key: string): StoredEntry | undefined {
    const item = this.items.get(key);
    if (!item) return undefined;
    if (item.expiresAtMs > this.now()) return item.entry;
    this.items.delete(key);
    return undefined;
  }

  /** Keeps `entry` until `expiresAtMs`, unless a newer copy is there already; an expiry in the past drops the key. */
  put(key: string, entry: StoredEntry, expiresAtMs: number): void {
    const current = this.items.peek(key);
    if (current && current.entry.fetchedAtMs > entry.fetchedAtMs) return;
    if (expiresAtMs <= this.now()) {
      this.items.delete(key);
      return;
    }
    this.items.set(key, { entry, expiresAtMs });
  }

  /** Drops the copy of `key` when it was fetched before `fetchedAtMs` (another instance stored a newer one). */
  dropOlderThan(key: string, fetchedAtMs: number): void {
    const item = this.items.peek(key);
    if (item && item.entry.fetchedAtMs < fetchedAtMs) this.items.delete(key);
  }

  delete(key: string): void {
    this.items.delete(key);
  }
}
