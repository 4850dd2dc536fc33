import { z } from 'zod';
import { hasRole } from '../principal';
import { reject } from '../results';
import { HandoverNote, type Handover } from '../task';
import { leads } from '../visibility';
import { clock, who } from '../wording';
import { defineAction, staffRef, unchanged } from './action';
import { eligibleReceiver, nowHeldBy } from './guards';

/**
 * The owner offers her task to a named colleague (docs/HANDOFFS.md HO1–HO3). Nothing moves yet: the
 * task stays hers, marked "being handed to …", until the receiver accepts, so responsibility is never
 * in limbo. The receiver must be someone `reassign` would accept.
 */
export const handoverOffer = defineAction({
  type: 'handover.offer',
  payload: z
    .object({
      to: z.object({ id: z.string().min(1).max(200) }).strict(),
      note: HandoverNote.optional(),
    })
    .strict(),
  apply(task, payload, actor, ctx) {
    if (!task.owner)
      return reject('conflict', 'This task is in the unit queue: claim it before handing it over.');
    if (task.owner.id !== actor.id) {
      if (leads(task, actor)) {
        // Charge nurses and coordinators have reassign for this; a supervisor has neither.
        const instead = hasRole(actor, 'ChargeNurse', 'Coordinator') ? '; reassign it instead' : '';
        return reject(
          'forbidden',
          `Only ${who(task.owner)}, who holds this task, can hand it over${instead}.`,
        );
      }
      // Work reassigned meanwhile (an offline offer replayed late): say who holds it now.
      return nowHeldBy(task, ctx);
    }
    if (payload.to.id === actor.id) return reject('invalid', 'You already hold this task.');
    const note = noteOrNull(payload.note);
    const pending = task.handover;
    if (pending) {
      if (pending.to.id === payload.to.id && sameNote(pending.note, note)) return unchanged(task);
      return reject(
        'conflict',
        `Already being handed to ${who(pending.to)} since ${clock(pending.offeredAt, ctx.timeZone)}: withdraw that offer first.`,
      );
    }
    const receiver = ctx.assignee;
    if (!receiver || receiver.id !== payload.to.id) {
      return reject('not-found', 'That colleague is not in the staff directory.');
    }
    if (!eligibleReceiver(task, receiver)) {
      return reject(
        'invalid',
        `${receiver.name || 'That colleague'} does not work on ${task.unit} in a role this task is routed to.`,
      );
    }
    const handover: Handover = {
      from: staffRef(actor),
      to: staffRef(receiver),
      offeredAt: ctx.now,
      note,
      alertedAt: null,
    };
    return {
      status: 'applied',
      task: { ...task, handover, handoverDeclined: null, handoverAccepted: null },
      change: 'handover-offered',
      detail: receiver.id,
      upstream: 'handover.offered',
    };
  },
});

/** An empty note (every part blank) is no note: the screen then shows none. */
function noteOrNull(note: HandoverNote | undefined): HandoverNote | null {
  if (!note) return null;
  const kept = Object.fromEntries(
    Object.entries(note).filter(([, value]) => value !== undefined && value !== ''),
  ) as HandoverNote;
  return Object.keys(kept).length > 0 ? kept : null;
}

function sameNote(a: HandoverNote | null, b: HandoverNote | null): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}
