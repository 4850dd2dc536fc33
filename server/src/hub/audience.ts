import { visibleTo, type Principal, type Task } from '../../../src/domain';

/** What the index needs of a hub connection: its caller's current principal. */
export interface Audienced {
  readonly caller: { principal: Principal };
}

/** Connections of one unit whose callers hold the same roles: `visibleTo` answers alike for all of them. */
interface Audience<C> {
  /** Stands for every member: on the unit, with their roles, and owner of nothing (no real id is empty). */
  probe: Principal;
  members: Set<C>;
}

/** Where a connection is filed, as of its last `place`. */
interface Placement {
  id: string;
  units: readonly string[];
  rolesKey: string;
}

/**
 * Live hub connections by unit and roles, so that a change is checked against each audience once
 * instead of against every connection (docs/HUB.md H4), and by person for the owner, who sees their
 * task wherever it is. `visibleTo` depends on nothing else: the owner's id, unit membership, roles.
 *
 * The index is only as current as its last `place(connection)`: call it whenever a caller's principal
 * is replaced (connect, a method's directory re-read, a unit move), `remove` when one leaves.
 */
export class AudienceIndex<C extends Audienced> {
  private readonly byUnit = new Map<string, Map<string, Audience<C>>>();
  private readonly byPerson = new Map<string, Set<C>>();
  private readonly placed = new Map<C, Placement>();

  get size(): number {
    return this.placed.size;
  }

  /** Files the connection under its caller's current units and roles (again, if they changed). */
  place(connection: C): void {
    const { id, units, roles } = connection.caller.principal;
    const rolesKey = [...roles].sort().join(',');
    const before = this.placed.get(connection);
    if (before && before.id === id && before.rolesKey === rolesKey && sameList(before.units, units)) return;
    if (before) this.remove(connection);
    const placement: Placement = { id, units: [...units], rolesKey };
    this.placed.set(connection, placement);
    for (const unit of placement.units) {
      let audiences = this.byUnit.get(unit);
      if (!audiences) this.byUnit.set(unit, (audiences = new Map()));
      let audience = audiences.get(rolesKey);
      if (!audience) {
        const probe: Principal = { id: '', tenantId: '', name: '', roles: [...roles], units: [unit] };
        audiences.set(rolesKey, (audience = { probe, members: new Set() }));
      }
      audience.members.add(connection);
    }
    let own = this.byPerson.get(id);
    if (!own) this.byPerson.set(id, (own = new Set()));
    own.add(connection);
  }

  remove(connection: C): void {
    const placement = this.placed.get(connection);
    if (!placement) return;
    this.placed.delete(connection);
    for (const unit of placement.units) {
      const audiences = this.byUnit.get(unit);
      const audience = audiences?.get(placement.rolesKey);
      if (!audiences || !audience) continue;
      audience.members.delete(connection);
      if (audience.members.size === 0) audiences.delete(placement.rolesKey);
      if (audiences.size === 0) this.byUnit.delete(unit);
    }
    const own = this.byPerson.get(placement.id);
    own?.delete(connection);
    if (own?.size === 0) this.byPerson.delete(placement.id);
  }

  /** Every indexed connection whose caller sees `task`: `visibleTo(task, principal)`, once per audience. */
  seeing(task: Task): C[] {
    const out: C[] = [];
    const visibleKeys = this.visibleKeys(task);
    const audiences = this.byUnit.get(task.unit);
    for (const rolesKey of visibleKeys) {
      for (const connection of audiences!.get(rolesKey)!.members) out.push(connection);
    }
    // The owner sees their task on any unit; skip the connections already counted in a visible audience.
    for (const connection of this.ownersOf(task)) {
      if (!this.seesAsMember(task, visibleKeys, this.placed.get(connection)!)) out.push(connection);
    }
    return out;
  }

  /**
   * Connections that saw `previous` and do not see `task`, its new state: they get `taskRemoved` (H4).
   * Decided per audience of the previous unit; members one by one only when the unit changed.
   */
  losing(task: Task, previous: Task): C[] {
    const out: C[] = [];
    const nowKeys = this.visibleKeys(task);
    const sameUnit = task.unit === previous.unit;
    const beforeKeys = this.visibleKeys(previous);
    const audiences = this.byUnit.get(previous.unit);
    for (const rolesKey of beforeKeys) {
      if (sameUnit && nowKeys.has(rolesKey)) continue;
      for (const connection of audiences!.get(rolesKey)!.members) {
        if (!this.seesNow(task, nowKeys, connection)) out.push(connection);
      }
    }
    for (const connection of this.ownersOf(previous)) {
      const placement = this.placed.get(connection)!;
      if (this.seesAsMember(previous, beforeKeys, placement)) continue; // counted above
      if (!this.seesNow(task, nowKeys, connection)) out.push(connection);
    }
    return out;
  }

  /** The roles (keys) among the task's unit's audiences that see it, each asked once. */
  private visibleKeys(task: Task): Set<string> {
    const keys = new Set<string>();
    for (const [rolesKey, audience] of this.byUnit.get(task.unit) ?? []) {
      if (visibleTo(task, audience.probe)) keys.add(rolesKey);
    }
    return keys;
  }

  private seesAsMember(task: Task, visibleKeys: Set<string>, placement: Placement): boolean {
    return visibleKeys.has(placement.rolesKey) && placement.units.includes(task.unit);
  }

  private seesNow(task: Task, visibleKeys: Set<string>, connection: C): boolean {
    const placement = this.placed.get(connection)!;
    return task.owner?.id === placement.id || this.seesAsMember(task, visibleKeys, placement);
  }

  private ownersOf(task: Task): Iterable<C> {
    return task.owner ? (this.byPerson.get(task.owner.id) ?? []) : [];
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((item, i) => item === b[i]);
}
