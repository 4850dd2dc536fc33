import type { Connection } from './connection';

function addTo<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  let set = index.get(key);
  if (!set) {
    set = new Set();
    index.set(key, set);
  }
  set.add(value);
}

function removeFrom<K, V>(index: Map<K, Set<V>>, key: K, value: V): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(value);
  if (set.size === 0) index.delete(key);
}

/**
 * Who is where. `byToken` holds every connection that still owns its secret token (negotiated through
 * closing); the other indexes hold live connections only, so sends never reach a closing one.
 */
export class ConnectionRegistry<P> {
  readonly byToken = new Map<string, Connection<P>>();
  readonly live = new Map<string, Connection<P>>();
  private readonly groups = new Map<string, Set<Connection<P>>>();
  private readonly users = new Map<string, Set<Connection<P>>>();
  /** Every connection of a user that still owns its token, live or not: what per-user caps count. */
  private readonly owned = new Map<string, Set<Connection<P>>>();

  register(connection: Connection<P>): void {
    this.byToken.set(connection.token, connection);
    addTo(this.owned, connection.userId, connection);
  }

  join(connection: Connection<P>): void {
    this.live.set(connection.id, connection);
    addTo(this.users, connection.userId, connection);
  }

  leave(connection: Connection<P>): void {
    if (this.live.get(connection.id) === connection) this.live.delete(connection.id);
    removeFrom(this.users, connection.userId, connection);
    for (const group of connection.groups) removeFrom(this.groups, group, connection);
    connection.groups.clear();
  }

  forget(connection: Connection<P>): void {
    if (this.byToken.get(connection.token) === connection) this.byToken.delete(connection.token);
    removeFrom(this.owned, connection.userId, connection);
  }

  /** The user's connections from negotiate until their transport is finished. */
  ownedBy(userId: string): ReadonlySet<Connection<P>> | undefined {
    return this.owned.get(userId);
  }

  hasUser(userId: string): boolean {
    return this.owned.has(userId);
  }

  addToGroup(connectionId: string, group: string): boolean {
    const connection = this.live.get(connectionId);
    if (!connection) return false;
    connection.groups.add(group);
    addTo(this.groups, group, connection);
    return true;
  }

  removeFromGroup(connectionId: string, group: string): boolean {
    const connection = this.live.get(connectionId);
    if (!connection) return false;
    connection.groups.delete(group);
    removeFrom(this.groups, group, connection);
    return true;
  }

  group(group: string): ReadonlySet<Connection<P>> | undefined {
    return this.groups.get(group);
  }

  user(userId: string): ReadonlySet<Connection<P>> | undefined {
    return this.users.get(userId);
  }

  clear(): void {
    this.byToken.clear();
    this.live.clear();
    this.groups.clear();
    this.users.clear();
    this.owned.clear();
  }
}
