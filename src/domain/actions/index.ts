import type { ActionType } from '../commands';
import { acknowledge } from './acknowledge';
import type { ActionDefinition } from './action';
import { checklistSet } from './checklist-set';
import { claim } from './claim';
import { comment } from './comment';
import { escalate } from './escalate';
import { handoverAccept } from './handover-accept';
import { handoverDecline } from './handover-decline';
import { handoverOffer } from './handover-offer';
import { handoverWithdraw } from './handover-withdraw';
import { hold } from './hold';
import { reassign } from './reassign';
import { release } from './release';
import { resolve } from './resolve';
import { start } from './start';

/** Every staff action, registered once. Adding an action is adding a file and a line here. */
export const ACTIONS: { readonly [T in ActionType]: ActionDefinition<unknown> } = {
  claim,
  release,
  acknowledge,
  start,
  'checklist.set': checklistSet,
  hold,
  resolve,
  escalate,
  reassign,
  comment,
  'handover.offer': handoverOffer,
  'handover.accept': handoverAccept,
  'handover.decline': handoverDecline,
  'handover.withdraw': handoverWithdraw,
} as const;

export type { ActionContext, ActionDefinition, Applied, Outcome, UpstreamEvent } from './action';
