import cronParser from 'cron-parser';
import ms from 'ms';

/** A BullMQ job-scheduler repeat rule: a fixed interval or a cron pattern. */
export type Schedule = { readonly every: number } | { readonly pattern: string };

/**
 * Reads a schedule as users write it: a duration (`30s`, `15m`, `1h`, `2d`) or a cron expression
 * (`*\/15 * * * *`, five or six fields). Pure; a problem comes back as a sentence for config errors.
 */
export function parseSchedule(value: string): { schedule?: Schedule; problem?: string } {
  const text = value.trim();
  if (/^\d+(\.\d+)?\s*(ms|s|m|h|d)$/i.test(text)) {
    const every = ms(text as ms.StringValue);
    if (!Number.isFinite(every) || every < 1000) return { problem: 'a schedule must be at least 1s apart' };
    return { schedule: { every } };
  }
  const fields = text.split(/\s+/).length;
  if (fields === 5 || fields === 6) {
    try {
      cronParser.parseExpression(text);
      return { schedule: { pattern: text } };
    } catch (err) {
      return { problem: `not a valid cron expression (${err instanceof Error ? err.message : String(err)})` };
    }
  }
  return {
    problem: 'expected a duration such as 30s, 15m or 1h, or a cron expression such as "*/15 * * * *"',
  };
}
