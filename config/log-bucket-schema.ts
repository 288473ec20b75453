/** The schema of a log bucket the stacks create (ALB access logs, CloudFront standard logs). */
import { z } from 'zod';
import { API_INTEGER_MAX } from './aws-rules';

/** `{enabled, expirationDays}` of a log bucket; `objects` names what it keeps in the expiry's description. */
export function logBucketSchema(objects: string) {
  return z.strictObject({
    enabled: z.boolean().default(true),
    expirationDays: z
      .number()
      .int()
      .min(1)
      .max(API_INTEGER_MAX, { error: `must be at most ${API_INTEGER_MAX} (an S3 API integer)` })
      .optional()
      .describe(`Days before ${objects} expire. Default: 365 in a production environment, else 90.`),
  });
}
