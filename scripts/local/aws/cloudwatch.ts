import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { AwsServiceError, dispatchJsonOperation, requiredString } from './protocol';

/**
 * The CloudWatch metrics stand-in: PutMetricData, ListMetrics and GetMetricData (MetricStat queries
 * only) as @aws-sdk/client-cloudwatch 3.11xx sends them: awsJson1_0, target prefix
 * GraniteServiceVersion20100801, timestamps as epoch seconds, query-compatible errors. Every datum
 * is appended to `<home>/aws/cloudwatch/datapoints.jsonl` before it is acknowledged and read back at
 * start. Unlike AWS it accepts `AWS/*` namespaces: locally a scenario plays Bedrock publishing its own
 * metrics.
 */
export interface CloudWatchServiceOptions {
  file: string;
}

interface Dimension {
  Name: string;
  Value: string;
}

/** One stored datum: statistic values, so a single value and a StatisticSet are kept alike. */
interface Datum {
  namespace: string;
  name: string;
  dimensions: Dimension[];
  /** Epoch ms. */
  at: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

const LIMITS = { metricDataPerPut: 1_000, queriesPerGet: 500, maxDatapoints: 100_800, listPage: 500 };
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;
const STATISTICS = new Set(['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum']);

const invalid = (message: string) => new AwsServiceError('InvalidParameterValue', message);
const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const dimensionsOf = (value: unknown): Dimension[] => {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > 30) throw invalid('Dimensions must be a list of at most 30');
  return value
    .map((d): Dimension => {
      if (!isObject(d) || typeof d.Name !== 'string' || typeof d.Value !== 'string')
        throw invalid('a dimension needs Name and Value');
      return { Name: d.Name, Value: d.Value };
    })
    .sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
};

const sameDimensions = (a: readonly Dimension[], b: readonly Dimension[]): boolean =>
  a.length === b.length && a.every((d, i) => d.Name === b[i]?.Name && d.Value === b[i]?.Value);

const epochMs = (value: unknown, field: string): number => {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalid(`${field} must be a timestamp`);
  return Math.round(value * 1_000);
};

const datumOf = (namespace: string, raw: unknown, now: number): Datum => {
  if (!isObject(raw) || typeof raw.MetricName !== 'string' || raw.MetricName === '')
    throw invalid('every MetricDatum needs a MetricName');
  const base = {
    namespace,
    name: raw.MetricName,
    dimensions: dimensionsOf(raw.Dimensions),
    at: raw.Timestamp === undefined ? now : epochMs(raw.Timestamp, 'Timestamp'),
  };
  if (isObject(raw.StatisticValues)) {
    const s = raw.StatisticValues;
    const values = [s.SampleCount, s.Sum, s.Minimum, s.Maximum];
    if (!values.every((v) => typeof v === 'number'))
      throw invalid('StatisticValues needs all four statistics');
    return {
      ...base,
      count: Number(s.SampleCount),
      sum: Number(s.Sum),
      min: Number(s.Minimum),
      max: Number(s.Maximum),
    };
  }
  if (Array.isArray(raw.Values)) {
    const values = raw.Values as unknown[];
    const counts = Array.isArray(raw.Counts) ? (raw.Counts as unknown[]) : values.map(() => 1);
    if (counts.length !== values.length) throw invalid('Values and Counts must have the same length');
    let sum = 0;
    let count = 0;
    for (const [i, v] of values.entries()) {
      if (typeof v !== 'number') throw invalid('Values must be numbers');
      const n = Number(counts[i]);
      sum += v * n;
      count += n;
    }
    const numbers = values as number[];
    return { ...base, sum, count, min: Math.min(...numbers), max: Math.max(...numbers) };
  }
  if (typeof raw.Value !== 'number') throw invalid(`MetricDatum ${raw.MetricName} has no value`);
  return { ...base, sum: raw.Value, count: 1, min: raw.Value, max: raw.Value };
};

interface Bucket {
  at: number;
  sum: number;
  count: number;
  min: number;
  max: number;
}

const statistic = (bucket: Bucket, stat: string): number => {
  switch (stat) {
    case 'Sum':
      return bucket.sum;
    case 'SampleCount':
      return bucket.count;
    case 'Average':
      return bucket.sum / bucket.count;
    case 'Minimum':
      return bucket.min;
    default:
      return bucket.max;
  }
};

interface Query {
  id: string;
  label: string;
  namespace: string;
  name: string;
  dimensions: Dimension[];
  periodMs: number;
  stat: string;
  returnData: boolean;
}

const queryOf = (raw: unknown): Query => {
  if (!isObject(raw) || typeof raw.Id !== 'string' || !QUERY_ID.test(raw.Id))
    throw invalid('every query needs an Id that starts with a lowercase letter');
  if (raw.Expression !== undefined)
    throw new AwsServiceError(
      'InvalidParameterValue',
      'the local CloudWatch stand-in runs MetricStat queries only',
    );
  const stat = isObject(raw.MetricStat) ? raw.MetricStat : undefined;
  const metric = stat !== undefined && isObject(stat.Metric) ? stat.Metric : undefined;
  if (stat === undefined || metric === undefined || typeof metric.MetricName !== 'string')
    throw invalid(`query ${raw.Id} needs a MetricStat with a Metric`);
  const period = Number(stat.Period);
  if (!Number.isInteger(period) || period <= 0 || (period >= 60 && period % 60 !== 0))
    throw invalid(`query ${raw.Id}: Period must be 1, 5, 10, 30 or a multiple of 60`);
  if (typeof stat.Stat !== 'string' || !STATISTICS.has(stat.Stat))
    throw invalid(`query ${raw.Id}: Stat ${String(stat.Stat)} is not supported locally`);
  return {
    id: raw.Id,
    label: typeof raw.Label === 'string' ? raw.Label : metric.MetricName,
    namespace: String(metric.Namespace ?? ''),
    name: metric.MetricName,
    dimensions: dimensionsOf(metric.Dimensions),
    periodMs: period * 1_000,
    stat: stat.Stat,
    returnData: raw.ReturnData !== false,
  };
};

interface PageToken {
  offset: number;
}

const encodeToken = (token: PageToken) => Buffer.from(JSON.stringify(token)).toString('base64');
const decodeToken = (value: unknown): PageToken => {
  if (value === undefined) return { offset: 0 };
  try {
    const token = JSON.parse(Buffer.from(String(value), 'base64').toString('utf8')) as PageToken;
    if (Number.isInteger(token.offset) && token.offset >= 0) return token;
  } catch {
    // falls through to the error AWS gives for a token it did not issue
  }
  throw new AwsServiceError('InvalidNextToken', 'the NextToken is not valid');
};

export const createCloudWatchService = async (options: CloudWatchServiceOptions) => {
  const data: Datum[] = [];
  try {
    for (const line of (await readFile(options.file, 'utf8')).split('\n')) {
      if (line.trim() === '') continue;
      try {
        data.push(JSON.parse(line) as Datum);
      } catch {
        // a line torn by a crash was never acknowledged
      }
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  await mkdir(dirname(options.file), { recursive: true });
  let writes = Promise.resolve();

  const putMetricData = async (body: Record<string, unknown>) => {
    const namespace = requiredString(body, 'Namespace');
    const raw = body.MetricData;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > LIMITS.metricDataPerPut)
      throw invalid(`MetricData must hold 1 to ${LIMITS.metricDataPerPut} items`);
    const now = Date.now();
    const received = raw.map((d) => datumOf(namespace, d, now));
    const text = `${received.map((d) => JSON.stringify(d)).join('\n')}\n`;
    writes = writes.then(() => appendFile(options.file, text));
    await writes;
    data.push(...received);
    return {};
  };

  const listMetrics = async (body: Record<string, unknown>) => {
    // DimensionFilters: a Name, and a Value only to match it exactly.
    const filters = (Array.isArray(body.Dimensions) ? body.Dimensions : []).map((f: unknown) => {
      if (!isObject(f) || typeof f.Name !== 'string') throw invalid('a dimension filter needs a Name');
      return { name: f.Name, value: typeof f.Value === 'string' ? f.Value : undefined };
    });
    const seen = new Map<string, { Namespace: string; MetricName: string; Dimensions: Dimension[] }>();
    for (const d of data) {
      if (body.Namespace !== undefined && d.namespace !== body.Namespace) continue;
      if (body.MetricName !== undefined && d.name !== body.MetricName) continue;
      const matches = ({ name, value }: { name: string; value: string | undefined }) =>
        d.dimensions.some((x) => x.Name === name && (value === undefined || x.Value === value));
      if (!filters.every(matches)) continue;
      const key = JSON.stringify([d.namespace, d.name, d.dimensions]);
      if (!seen.has(key))
        seen.set(key, { Namespace: d.namespace, MetricName: d.name, Dimensions: d.dimensions });
    }
    const all = [...seen.values()];
    const { offset } = decodeToken(body.NextToken);
    const page = all.slice(offset, offset + LIMITS.listPage);
    const next = offset + LIMITS.listPage;
    return { Metrics: page, ...(next < all.length ? { NextToken: encodeToken({ offset: next }) } : {}) };
  };

  const series = (query: Query, start: number, end: number): Bucket[] => {
    const buckets = new Map<number, Bucket>();
    for (const d of data) {
      if (d.namespace !== query.namespace || d.name !== query.name || d.at < start || d.at >= end) continue;
      if (!sameDimensions(d.dimensions, query.dimensions)) continue;
      const at = start + Math.floor((d.at - start) / query.periodMs) * query.periodMs;
      const bucket = buckets.get(at);
      if (bucket === undefined) buckets.set(at, { at, sum: d.sum, count: d.count, min: d.min, max: d.max });
      else {
        bucket.sum += d.sum;
        bucket.count += d.count;
        bucket.min = Math.min(bucket.min, d.min);
        bucket.max = Math.max(bucket.max, d.max);
      }
    }
    return [...buckets.values()];
  };

  const getMetricData = async (body: Record<string, unknown>) => {
    const raw = body.MetricDataQueries;
    if (!Array.isArray(raw) || raw.length === 0 || raw.length > LIMITS.queriesPerGet)
      throw invalid(`MetricDataQueries must hold 1 to ${LIMITS.queriesPerGet} queries`);
    const queries = raw.map(queryOf);
    if (new Set(queries.map((q) => q.id)).size !== queries.length) throw invalid('query Ids must be unique');
    const start = epochMs(body.StartTime, 'StartTime');
    const end = epochMs(body.EndTime, 'EndTime');
    if (end <= start) throw invalid('EndTime must be after StartTime');
    const max = body.MaxDatapoints === undefined ? LIMITS.maxDatapoints : Number(body.MaxDatapoints);
    if (!Number.isInteger(max) || max < 1) throw invalid('MaxDatapoints must be a positive integer');
    const ascending = body.ScanBy === 'TimestampAscending';
    // Every datapoint of every returned query in one order; a page is a slice of it, as NextToken resumes.
    const points = queries
      .filter((q) => q.returnData)
      .flatMap((q) =>
        series(q, start, end)
          .sort((a, b) => (ascending ? a.at - b.at : b.at - a.at))
          .map((bucket) => ({ query: q, at: bucket.at, value: statistic(bucket, q.stat) })),
      );
    const { offset } = decodeToken(body.NextToken);
    const page = points.slice(offset, offset + max);
    const more = offset + max < points.length;
    const results = new Map<
      string,
      { Id: string; Label: string; Timestamps: number[]; Values: number[]; StatusCode: string }
    >();
    for (const point of page) {
      const result = results.get(point.query.id) ?? {
        Id: point.query.id,
        Label: point.query.label,
        Timestamps: [],
        Values: [],
        StatusCode: 'Complete',
      };
      result.Timestamps.push(point.at / 1_000);
      result.Values.push(point.value);
      results.set(point.query.id, result);
    }
    const last = page[page.length - 1];
    if (more && last !== undefined) {
      const partial = results.get(last.query.id);
      if (partial !== undefined) partial.StatusCode = 'PartialData';
    }
    // Queries with no datapoints at all are still answered, on the first page, as AWS does.
    if (offset === 0) {
      for (const q of queries) {
        if (q.returnData && !results.has(q.id) && !points.some((p) => p.query.id === q.id))
          results.set(q.id, { Id: q.id, Label: q.label, Timestamps: [], Values: [], StatusCode: 'Complete' });
      }
    }
    return {
      MetricDataResults: [...results.values()],
      Messages: [],
      ...(more ? { NextToken: encodeToken({ offset: offset + max }) } : {}),
    };
  };

  return {
    handle: dispatchJsonOperation('CloudWatch', {
      PutMetricData: putMetricData,
      ListMetrics: listMetrics,
      GetMetricData: getMetricData,
    }),
    flush: () => writes,
  };
};
