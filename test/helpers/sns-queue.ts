import { randomUUID } from 'node:crypto';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';

const credentials = { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' };

/** What the subscribed queue received: the SNS envelope's subject, attributes and parsed message. */
export interface ReceivedNotification {
  readonly subject: string;
  readonly attributes: Record<string, string>;
  readonly message: {
    eventType: string;
    repository: string | null;
    summary: string;
    details: Record<string, unknown>;
  };
}

/** A topic on moto with an SQS queue subscribed to it, as a subscriber would set it up. */
export async function topicWithQueue(motoUrl: string): Promise<{
  topicArn: string;
  /** Every notification delivered since the last call (removed from the queue). */
  drain(): Promise<ReceivedNotification[]>;
  close(): void;
}> {
  const sns = new SNSClient({ region: 'us-east-1', endpoint: motoUrl, credentials });
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: motoUrl, credentials });
  const name = `gh2cc-${randomUUID().slice(0, 8)}`;
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: name }))).TopicArn ?? '';
  const QueueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: name }))).QueueUrl ?? '';
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  await sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: attrs.Attributes?.['QueueArn'] }),
  );
  return {
    topicArn,
    async drain() {
      const out: ReceivedNotification[] = [];
      for (;;) {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (Messages.length === 0) return out;
        for (const m of Messages) {
          const env = JSON.parse(m.Body ?? '{}') as {
            Subject?: string;
            Message: string;
            MessageAttributes?: Record<string, { Value: string }>;
          };
          out.push({
            subject: env.Subject ?? '',
            attributes: Object.fromEntries(
              Object.entries(env.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
            ),
            message: JSON.parse(env.Message) as ReceivedNotification['message'],
          });
          await sqs.send(new DeleteMessageCommand({ QueueUrl, ReceiptHandle: m.ReceiptHandle }));
        }
      }
    },
    close() {
      sns.destroy();
      sqs.destroy();
    },
  };
}
