import { z } from 'zod';
import { reject } from '../results';
import { acknowledgementMatters, ExceptionOutcome, requiredItemsOpen, type Resolution } from '../task';
import { defineAction, staffRef } from './action';
import { mustOwnOrLead } from './guards';
import { Reason } from './payloads';

const MAX_LISTED = 3;

/**
 * Finish the work. A discharge needs every required checklist item done, or an override reason that
 * is recorded; an exception needs its outcome (fixed, dismissed, sent back upstream).
 */
export const resolve = defineAction({
  type: 'resolve',
  // Like the empty payloads: absent, null or `{}` all mean "no details".
  payload: z.preprocess(
    (value) => value ?? {},
    z
      .object({
        outcome: ExceptionOutcome.optional(),
        note: z.string().trim().max(2000).optional(),
        overrideReason: Reason.optional(),
      })
      .strict(),
  ),
  repeatsClosing(task, payload, actor) {
    const resolution = task.resolution;
    if (task.status !== 'completed' || !resolution || resolution.by.id !== actor.id) return false;
    return resolution.outcome === (task.kind === 'exception' ? payload.outcome : 'done');
  },
  apply(task, payload, actor, ctx) {
    const refused = mustOwnOrLead(task, actor, ctx, 'resolve');
    if (refused) return refused;

    let outcome: Resolution['outcome'] = 'done';
    if (task.kind === 'exception') {
      if (!payload.outcome) {
        return reject('invalid', 'Choose how this exception ends: fixed, dismissed, or sent back upstream.');
      }
      outcome = payload.outcome;
      // Dismissing or sending back leaves the problem to someone else: the record says why (the note).
      if (outcome !== 'fixed' && !payload.note) {
        return reject(
          'invalid',
          outcome === 'dismissed'
            ? 'Say why this exception is dismissed.'
            : 'Say why this exception goes back upstream.',
        );
      }
    } else if (payload.outcome) {
      return reject('invalid', 'Only exceptions are resolved with an outcome.');
    }

    const open = requiredItemsOpen(task);
    if (task.kind === 'discharge' && open.length > 0 && !payload.overrideReason) {
      const names = open.slice(0, MAX_LISTED).map((i) => i.label);
      const more = open.length > MAX_LISTED ? ` and ${open.length - MAX_LISTED} more` : '';
      const still = `${open.length} required ${open.length === 1 ? 'item is' : 'items are'} still open (${names.join(', ')}${more})`;
      // Unclaimed work is claimed before its checklist is worked (checklist.set): say that first.
      const next = task.owner
        ? `Tick ${open.length === 1 ? 'it' : 'them'}, or give a reason to override.`
        : 'Claim it to start the checklist, or give a reason to override.';
      return reject('invalid', `${still}. ${next}`);
    }
    const overrideReason =
      task.kind === 'discharge' && open.length > 0 ? (payload.overrideReason ?? null) : null;
    const by = staffRef(actor);

    return {
      status: 'applied',
      task: {
        ...task,
        status: 'completed',
        owner: task.owner ?? by,
        claimedAt: task.claimedAt ?? ctx.now,
        hold: null,
        // Finished work has nothing left to hand over.
        handover: null,
        // Resolving a result is the strongest acknowledgement of it; a plain discharge was never
        // "acknowledged" by whoever resolved it.
        ...(acknowledgementMatters(task)
          ? { acknowledgedAt: task.acknowledgedAt ?? ctx.now, acknowledgedBy: task.acknowledgedBy ?? by }
          : {}),
        escalation: { ...task.escalation, nextAt: null, next: null },
        resolution: { outcome, note: payload.note || null, overrideReason, by, at: ctx.now },
      },
      change: overrideReason ? 'resolved-with-override' : 'resolved',
      detail: overrideReason ?? (task.kind === 'exception' ? outcome : null),
      upstream: task.kind === 'exception' ? 'exception.resolved' : 'resolved',
    };
  },
});
