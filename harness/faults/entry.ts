/** The parts every fault entry of a scenario shares (zod), spread into each fault's schema. */
import { z } from 'zod';
import { durationField } from '../units/duration.ts';

/**
 * When and where: `at` (offset from the start of the traffic phase), `duration` (how long the fault
 * stays in force), `fraction` (share of the clients affected, in (0, 1], default 1: clients are spread
 * round-robin over the proxies and the fault acts on the first ⌈fraction × proxies⌉ of them).
 */
export const timing = { at: durationField, duration: durationField, fraction: z.number().gt(0).max(1).optional() };

/** Which direction of a connection a toxic acts on: client→gateway, gateway→client, or both. Default "both". */
export const stream = z.enum(['upstream', 'downstream', 'both']).optional();
export type Stream = NonNullable<z.output<typeof stream>>;

export const positiveInt = z.number().int().positive();
