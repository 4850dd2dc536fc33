import { z } from 'zod';
import { InboundEvent } from './events';
import { OutboundEvent } from './outbound-event';
import { Command } from './commands';
import { Task } from './task';

const BASE = 'https://wardline.example/schemas';

/** The published contracts, as JSON Schema documents keyed by file name. */
export function eventSchemaDocuments(): Record<string, unknown> {
  const doc = (id: string, title: string, schema: z.ZodType) => ({
    $id: `${BASE}/${id}`,
    title,
    ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }),
  });
  return {
    'inbound-event.schema.json': doc(
      'inbound-event.schema.json',
      'Wardline inbound CloudEvent (1.0, JSON structured mode)',
      InboundEvent,
    ),
    'outbound-event.schema.json': doc(
      'outbound-event.schema.json',
      'Wardline outbound CloudEvent (1.0, JSON structured mode)',
      OutboundEvent,
    ),
    'task.schema.json': doc('task.schema.json', 'Wardline task (wire shape)', Task),
    'command.schema.json': doc('command.schema.json', 'Wardline staff action', Command),
  };
}
