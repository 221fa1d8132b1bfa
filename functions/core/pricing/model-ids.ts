/**
 * The forms a Bedrock model id takes on a call, reduced to the base model id the catalog knows and
 * the form that decides its rate: in-region and geographic profiles pay the regional rate, `global.`
 * profiles their own, and an application inference profile whatever the model it was made from pays.
 */
export type IdForm = 'in_region' | 'geographic' | 'global' | 'application_profile';

export interface ParsedModelId {
  /** Profile prefix and ARN removed; for an application profile, its ARN or id as given. */
  baseId: string;
  form: IdForm;
}

// arn:<partition>:bedrock:<region>:<account>:<resource type>/<resource id>
const ARN = /^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]*:([a-z-]+)\/(.+)$/;

/** Splits a `us.`/`eu.`/`global.` profile prefix off an id. */
const withoutProfilePrefix = (id: string, geographicPrefixes: readonly string[]): ParsedModelId => {
  if (id.startsWith('global.')) return { baseId: id.slice('global.'.length), form: 'global' };
  for (const prefix of geographicPrefixes) {
    if (id.startsWith(`${prefix}.`)) return { baseId: id.slice(prefix.length + 1), form: 'geographic' };
  }
  return { baseId: id, form: 'in_region' };
};

export const parseModelId = (modelId: string, geographicPrefixes: readonly string[]): ParsedModelId => {
  const arn = ARN.exec(modelId);
  if (arn === null) return withoutProfilePrefix(modelId, geographicPrefixes);
  const [, resourceType, resourceId = ''] = arn;
  if (resourceType === 'application-inference-profile')
    return { baseId: modelId, form: 'application_profile' };
  if (resourceType === 'foundation-model') return { baseId: resourceId, form: 'in_region' };
  return withoutProfilePrefix(resourceId, geographicPrefixes);
};

/** The resource id of an application inference profile ARN (its last path segment). */
export const applicationProfileId = (arn: string): string => arn.slice(arn.lastIndexOf('/') + 1);
