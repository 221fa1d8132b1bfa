import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { readJsonIfExists, writeJsonAtomic, writeQueue } from '../json-file';
import { AwsServiceError, decodeToken, encodeToken } from './protocol';

export interface MessageAttribute {
  DataType: string;
  StringValue?: string;
  /** Base64, as it travels in the query protocol. */
  BinaryValue?: string;
}

/** One line of `<home>/aws/sns/messages.jsonl`: every message published, in the order it was accepted. */
export interface PublishedMessage {
  messageId: string;
  topicArn: string;
  subject?: string;
  message: string;
  messageAttributes: Record<string, MessageAttribute>;
  messageStructure?: string;
  messageGroupId?: string;
  messageDeduplicationId?: string;
  timestamp: string;
}

export interface SnsFiles {
  topics: string;
  messages: string;
}

interface TopicsFile {
  topics: string[];
}

const MAX_MESSAGE_BYTES = 256 * 1024;
const MAX_ATTRIBUTES = 10;
const TOPIC_NAME = /^[A-Za-z0-9_-]{1,256}(\.fifo)?$/;

/** SNS subjects: ASCII from space to tilde, so no line breaks or control characters. */
const isPrintableAscii = (text: string): boolean =>
  [...text].every((character) => character >= ' ' && character <= '~');

const invalid = (message: string) => new AwsServiceError('InvalidParameter', `Invalid parameter: ${message}`);

/**
 * The `MessageAttributes.entry.N.Name` / `.Value.DataType` / `.Value.StringValue` / `.Value.BinaryValue`
 * fields of a query-protocol request, as a map by name.
 */
export const parseMessageAttributes = (form: URLSearchParams): Record<string, MessageAttribute> => {
  const attributes: Record<string, MessageAttribute> = {};
  for (let index = 1; ; index += 1) {
    const base = `MessageAttributes.entry.${index}`;
    const name = form.get(`${base}.Name`);
    if (name === null) break;
    const dataType = form.get(`${base}.Value.DataType`);
    if (dataType === null || dataType === '')
      throw invalid(`Message attribute '${name}' must contain a non-empty attribute type.`);
    if (!/^(String|Number|Binary|String\.Array)(\..+)?$/.test(dataType))
      throw invalid(
        `The message attribute '${name}' has an invalid message attribute type, the set of supported type prefixes is Binary, Number, and String.`,
      );
    const stringValue = form.get(`${base}.Value.StringValue`);
    const binaryValue = form.get(`${base}.Value.BinaryValue`);
    if (stringValue === null && binaryValue === null)
      throw invalid(`The message attribute '${name}' must contain non-empty message attribute value.`);
    if (dataType.startsWith('Number') && stringValue !== null && !Number.isFinite(Number(stringValue)))
      throw invalid(`Could not cast message attribute '${name}' value to number.`);
    attributes[name] = {
      DataType: dataType,
      ...(stringValue !== null && { StringValue: stringValue }),
      ...(binaryValue !== null && { BinaryValue: binaryValue }),
    };
  }
  if (Object.keys(attributes).length > MAX_ATTRIBUTES)
    throw invalid(
      `Number of message attributes [${Object.keys(attributes).length}] exceeds the allowed maximum [${MAX_ATTRIBUTES}].`,
    );
  return attributes;
};

/** Every message published to the local SNS, oldest first; a line torn by a crash is skipped. */
export const readPublishedMessages = async (file: string): Promise<PublishedMessage[]> => {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  return text.split('\n').flatMap((line) => {
    if (line.trim() === '') return [];
    try {
      return [JSON.parse(line) as PublishedMessage];
    } catch {
      return [];
    }
  });
};

export interface SnsServiceOptions {
  files: SnsFiles;
  region: string;
  accountId: string;
  now?: () => Date;
}

/** A query-protocol result: the element name under `<Action>Result` and its XML body. */
export interface QueryResult {
  xml: string;
}

/**
 * SNS, the part the breaker uses: Publish (kept in an append-only file so `ccb alerts` can list it),
 * CreateTopic and ListTopics. No subscriptions are delivered.
 */
export const createSnsService = async (options: SnsServiceOptions) => {
  const now = options.now ?? (() => new Date());
  const topics = new Set((await readJsonIfExists<TopicsFile>(options.files.topics))?.topics ?? []);
  const topicWrites = writeQueue();
  const saveTopics = (): Promise<void> =>
    topicWrites.run(() =>
      writeJsonAtomic(options.files.topics, { topics: [...topics].sort() } satisfies TopicsFile),
    );
  const messageWrites = writeQueue();
  const append = (message: PublishedMessage): Promise<void> =>
    messageWrites.run(async () => {
      await mkdir(dirname(options.files.messages), { recursive: true });
      await appendFile(options.files.messages, `${JSON.stringify(message)}\n`);
    });

  const topicArn = (name: string) => `arn:aws:sns:${options.region}:${options.accountId}:${name}`;

  const createTopic = async (form: URLSearchParams): Promise<QueryResult> => {
    const name = form.get('Name') ?? '';
    if (!TOPIC_NAME.test(name))
      throw invalid(
        'Topic Name: must contain only alphanumeric characters, hyphens, or underscores and be 1 to 256 characters long',
      );
    const arn = topicArn(name);
    if (!topics.has(arn)) {
      topics.add(arn);
      await saveTopics();
    }
    return { xml: `<TopicArn>${arn}</TopicArn>` };
  };

  const listTopics = (form: URLSearchParams): QueryResult => {
    const after = decodeToken(form.get('NextToken') ?? undefined, 'InvalidParameter');
    const all = [...topics].sort().filter((arn) => after === undefined || arn > after);
    const page = all.slice(0, 100);
    const last = page.at(-1);
    const members = page.map((arn) => `<member><TopicArn>${arn}</TopicArn></member>`).join('');
    const next =
      all.length > page.length && last !== undefined ? `<NextToken>${encodeToken(last)}</NextToken>` : '';
    return { xml: `<Topics>${members}</Topics>${next}` };
  };

  const publish = async (form: URLSearchParams): Promise<QueryResult> => {
    const target = form.get('TopicArn') ?? form.get('TargetArn');
    if (target === null) {
      if (form.get('PhoneNumber') !== null)
        throw invalid('PhoneNumber: the local SNS stand-in only publishes to topics');
      throw invalid('TopicArn or TargetArn Reason: no value for required parameter');
    }
    if (!topics.has(target)) throw new AwsServiceError('NotFound', 'Topic does not exist', { status: 404 });
    const message = form.get('Message');
    if (message === null || message === '') throw invalid('Empty message');
    if (Buffer.byteLength(message) > MAX_MESSAGE_BYTES) throw invalid('Message too long');
    const subject = form.get('Subject');
    if (subject !== null && (subject === '' || subject.length > 100 || !isPrintableAscii(subject)))
      throw invalid(
        'Subject: must be ASCII text, 1 to 100 characters, without line breaks or control characters',
      );
    const messageAttributes = parseMessageAttributes(form);
    const optional = (field: string) => form.get(field) ?? undefined;
    const published: PublishedMessage = {
      messageId: randomUUID(),
      topicArn: target,
      ...(subject !== null && { subject }),
      message,
      messageAttributes,
      ...(optional('MessageStructure') !== undefined && { messageStructure: optional('MessageStructure') }),
      ...(optional('MessageGroupId') !== undefined && { messageGroupId: optional('MessageGroupId') }),
      ...(optional('MessageDeduplicationId') !== undefined && {
        messageDeduplicationId: optional('MessageDeduplicationId'),
      }),
      timestamp: now().toISOString(),
    };
    await append(published);
    return { xml: `<MessageId>${published.messageId}</MessageId>` };
  };

  const actions: Record<string, (form: URLSearchParams) => QueryResult | Promise<QueryResult>> = {
    Publish: publish,
    CreateTopic: createTopic,
    ListTopics: listTopics,
  };

  return {
    handle: async (action: string, form: URLSearchParams): Promise<QueryResult> => {
      const run = actions[action];
      if (run === undefined)
        throw new AwsServiceError('InvalidAction', `the local SNS stand-in does not implement ${action}`);
      return run(form);
    },
    flush: async () => {
      await Promise.all([topicWrites.settled(), messageWrites.settled()]);
    },
  };
};
