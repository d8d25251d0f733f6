import type { RedisClient } from '../queue/redis-connection.ts';

/** GitHub lets a delivery be redelivered for 3 days; ids are remembered a little longer. */
export const DELIVERY_TTL_SECONDS = 4 * 24 * 3600;

/**
 * Which `X-GitHub-Delivery` ids have been acted on: one Redis key per id with a 4-day expiry, so memory is
 * bounded by the delivery rate (about 100 bytes per delivery: 100,000 deliveries a day hold ~40 MB).
 */
export class DeliveryLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly prefix: string,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:delivery:${id}`;
  }

  /** True the first time an id is claimed; false for a redelivery of an id already acted on. */
  async claim(id: string): Promise<boolean> {
    return (await this.redis.set(this.key(id), '1', 'EX', DELIVERY_TTL_SECONDS, 'NX')) === 'OK';
  }

  /** Forgets a claim whose work could not be queued, so GitHub's redelivery is acted on. */
  async release(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}
