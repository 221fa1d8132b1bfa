/** Who every local PutParameter is attributed to in GetParameterHistory (CloudTrail's userIdentity on AWS). */
export const LOCAL_SSM_USER = 'arn:aws:iam::000000000000:user/local';

/** SSM keeps the last 100 versions of a parameter and deletes older ones as new ones are written. */
const MAX_VERSIONS = 100;

export interface ParameterVersion {
  version: number;
  value: string;
  type: string;
  description?: string;
  lastModifiedDate: string;
  lastModifiedUser: string;
}

/** `<home>/aws/ssm.json`: every parameter with its retained versions, oldest first. */
export interface SsmFile {
  parameters: Record<string, { versions: ParameterVersion[] }>;
}

export interface ParameterWrite {
  value: string;
  type?: string;
  description?: string;
}

/**
 * The parameters and their versions, as SSM keeps them: each write is a new version, the type and
 * description carry over when a write leaves them out, and only the last 100 versions are kept.
 */
export const parameterStore = (state: SsmFile, now: () => Date) => {
  /** Accepts a name, an ARN, and a `name:version` selector. */
  const resolve = (reference: string): { name: string; version?: number } => {
    let name = reference;
    let version: number | undefined;
    const selector = /^(.*):(\d+)$/.exec(name);
    if (selector?.[1] !== undefined && !selector[1].startsWith('arn:') && selector[2] !== undefined) {
      name = selector[1];
      version = Number(selector[2]);
    }
    const arn = /^arn:aws:ssm:[^:]*:[^:]*:parameter(\/.*)$/.exec(name);
    if (arn?.[1] !== undefined) name = state.parameters[arn[1]] !== undefined ? arn[1] : arn[1].slice(1);
    return version === undefined ? { name } : { name, version };
  };

  /** The version a reference selects: the latest, or the one its `:version` names. */
  const find = (reference: string): { name: string; current: ParameterVersion } | undefined => {
    const { name, version } = resolve(reference);
    const versions = state.parameters[name]?.versions;
    const current = version === undefined ? versions?.at(-1) : versions?.find((v) => v.version === version);
    return current === undefined ? undefined : { name, current };
  };

  /** Writes the next version of a parameter; the caller has checked it may overwrite. */
  const put = (name: string, write: ParameterWrite): ParameterVersion => {
    const existing = state.parameters[name];
    const previous = existing?.versions.at(-1);
    const description = write.description ?? previous?.description;
    const next: ParameterVersion = {
      version: (previous?.version ?? 0) + 1,
      value: write.value,
      type: write.type ?? previous?.type ?? 'String',
      // An overwrite without a description keeps the previous one, as SSM does.
      ...(description !== undefined && { description }),
      lastModifiedDate: now().toISOString(),
      lastModifiedUser: LOCAL_SSM_USER,
    };
    state.parameters[name] = { versions: [...(existing?.versions ?? []), next].slice(-MAX_VERSIONS) };
    return next;
  };

  return {
    resolve,
    find,
    put,
    latest: (name: string): ParameterVersion | undefined => state.parameters[name]?.versions.at(-1),
    /** The retained versions of a parameter, oldest first. */
    versions: (name: string): ParameterVersion[] | undefined => state.parameters[name]?.versions,
    names: (): string[] => Object.keys(state.parameters),
  };
};

export type ParameterStore = ReturnType<typeof parameterStore>;
