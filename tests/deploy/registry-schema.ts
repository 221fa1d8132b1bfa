import { loadAwsServiceSpecSync } from '@aws-cdk/aws-service-spec';
import type {
  Property,
  PropertyType,
  Resource,
  ResourceProperties,
  SpecDatabase,
} from '@aws-cdk/service-spec-types';

/**
 * The parts of a CloudFormation template the registry check reads. Every section but Resources is
 * optional, as in CloudFormation.
 */
export interface TemplateToCheck {
  Resources: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  Transform?: unknown;
}

/**
 * The CloudFormation registry's resource schemas as the CDK team ships them (@aws-cdk/aws-service-spec).
 * Gunzipping and indexing the database takes over a second: load it once per test file.
 */
export const loadRegistry = (): SpecDatabase => loadAwsServiceSpecSync();

const PSEUDO_PARAMETERS = new Set([
  'AWS::AccountId',
  'AWS::NotificationARNs',
  'AWS::NoValue',
  'AWS::Partition',
  'AWS::Region',
  'AWS::StackId',
  'AWS::StackName',
  'AWS::URLSuffix',
]);

/** The keys CloudFormation reads on a resource; anything else (a typo of `Properties`) it rejects. */
const RESOURCE_KEYS = new Set([
  'Type',
  'Properties',
  'DependsOn',
  'Condition',
  'DeletionPolicy',
  'UpdateReplacePolicy',
  'Metadata',
  'CreationPolicy',
  'UpdatePolicy',
]);

/** The registry has one schema for every custom resource: a ServiceToken, then whatever the provider reads. */
const CUSTOM_RESOURCE = 'AWS::CloudFormation::CustomResource';
const isCustomResource = (type: string): boolean => type === CUSTOM_RESOURCE || type.startsWith('Custom::');
const ANY_VALUE: Property = { type: { type: 'json' } };

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `Ref` or an `Fn::` function: resolved at deploy time, so it stands for a value of any type. */
const intrinsicName = (value: unknown): string | undefined => {
  if (!isObject(value)) return undefined;
  const keys = Object.keys(value);
  const name = keys[0];
  return keys.length === 1 && name !== undefined && (name === 'Ref' || name.startsWith('Fn::'))
    ? name
    : undefined;
};

const isNoValue = (value: unknown): boolean => isObject(value) && value.Ref === 'AWS::NoValue';

const typeName = (type: PropertyType, db: SpecDatabase): string => {
  switch (type.type) {
    case 'ref':
      return db.get('typeDefinition', type.reference.$ref).name;
    case 'array':
      return `list of ${typeName(type.element, db)}`;
    case 'map':
      return `map of ${typeName(type.element, db)}`;
    case 'union':
      return type.types.map((member) => typeName(member, db)).join(' | ');
    default:
      return type.type;
  }
};

/**
 * Whether a literal scalar is of a primitive type, with the conversions CloudFormation itself makes
 * (and cfn-lint allows outside strict mode): a number or boolean where a string is expected, a numeric
 * string where a number is, "true"/"false" where a boolean is.
 */
const scalarFits = (value: unknown, type: PropertyType['type']): boolean => {
  switch (type) {
    case 'string':
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
    case 'date-time':
      return typeof value === 'string';
    case 'number':
      return (typeof value === 'number' || typeof value === 'string') && Number.isFinite(Number(value));
    case 'integer':
      return (typeof value === 'number' || typeof value === 'string') && Number.isInteger(Number(value));
    case 'boolean':
      return typeof value === 'boolean' || value === 'true' || value === 'false';
    case 'null':
      return value === null;
    default:
      return true;
  }
};

const TAG: ResourceProperties = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};

const kindOf = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'list' : typeof value;

/** The problems of one value against one registry type, each prefixed with its path. */
const typeProblems = (db: SpecDatabase, value: unknown, type: PropertyType, path: string): string[] => {
  const name = intrinsicName(value);
  if (name === 'Fn::If') {
    const branches = (value as Json)[name];
    if (!Array.isArray(branches)) return [];
    return branches
      .slice(1)
      .filter((branch) => !isNoValue(branch))
      .flatMap((branch) => typeProblems(db, branch, type, path));
  }
  if (name !== undefined) return [];
  const expected = (): string[] => [`${path}: expected ${typeName(type, db)}, got ${kindOf(value)}`];
  switch (type.type) {
    case 'ref':
      return isObject(value)
        ? propertiesProblems(db, value, db.get('typeDefinition', type.reference.$ref).properties, path)
        : expected();
    case 'tag':
      return isObject(value) ? propertiesProblems(db, value, TAG, path) : expected();
    case 'array':
      return Array.isArray(value)
        ? value.flatMap((element, index) => typeProblems(db, element, type.element, `${path}[${index}]`))
        : expected();
    case 'map':
      return isObject(value)
        ? Object.entries(value).flatMap(([key, element]) =>
            typeProblems(db, element, type.element, `${path}.${key}`),
          )
        : expected();
    case 'union': {
      // A free-form member stands for the registry's `type: object`, so it takes no list where the
      // union has a list type of its own (DynamoDB's KeySchema is a list of KeySchema or any object).
      const members =
        Array.isArray(value) && type.types.some((member) => member.type === 'array')
          ? type.types.filter((member) => member.type !== 'json')
          : type.types;
      return closestFit(
        members.map((member) => typeProblems(db, value, member, path)),
        expected,
      );
    }
    case 'json':
      return [];
    default:
      return scalarFits(value, type.type) ? [] : expected();
  }
};

/** None when any alternative fits; else the problems of the alternative that came closest. */
const closestFit = (alternatives: string[][], otherwise: () => string[]): string[] => {
  if (alternatives.some((problems) => problems.length === 0)) return [];
  const [closest] = [...alternatives].sort((a, b) => a.length - b.length);
  return closest ?? otherwise();
};

/** Unknown names, missing required properties and wrongly typed values of one object. */
const propertiesProblems = (
  db: SpecDatabase,
  value: Json,
  properties: ResourceProperties,
  path: string,
): string[] => {
  const missing = Object.entries(properties)
    .filter(([name, property]) => property.required === true && !Object.hasOwn(value, name))
    .map(([name]) => `${path}: missing required property ${name}`);
  const present = Object.entries(value).flatMap(([name, element]) => {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (property === undefined) {
      return [`${path}.${name}: unknown property (known: ${Object.keys(properties).sort().join(', ')})`];
    }
    return typeProblems(db, element, property.type, `${path}.${name}`);
  });
  return [...missing, ...present];
};

const resourceSpec = (db: SpecDatabase, type: string): Resource | undefined =>
  db.lookup('resource', 'cloudFormationType', 'equals', isCustomResource(type) ? CUSTOM_RESOURCE : type)[0];

const transforms = (template: TemplateToCheck): unknown[] =>
  Array.isArray(template.Transform) ? template.Transform : [template.Transform];

/** The type, resource attributes and properties of one resource. */
const resourceProblems = (
  db: SpecDatabase,
  template: TemplateToCheck,
  logicalId: string,
  resource: unknown,
): string[] => {
  const path = `Resources.${logicalId}`;
  if (!isObject(resource) || typeof resource.Type !== 'string') return [`${path}: no Type`];
  const type = resource.Type;
  const spec = resourceSpec(db, type);
  if (spec === undefined) return [`${path}: ${type} is not a resource type in the CloudFormation registry`];
  const problems = Object.keys(resource)
    .filter((key) => !RESOURCE_KEYS.has(key))
    .map((key) => `${path}.${key}: not a resource attribute CloudFormation reads`);
  if (
    spec.cloudFormationTransform !== undefined &&
    !transforms(template).includes(spec.cloudFormationTransform)
  ) {
    problems.push(`${path}: ${type} needs Transform ${spec.cloudFormationTransform}`);
  }
  for (const dependency of resource.DependsOn === undefined ? [] : [resource.DependsOn].flat()) {
    if (typeof dependency !== 'string' || !Object.hasOwn(template.Resources, dependency)) {
      problems.push(`${path}.DependsOn: no resource ${String(dependency)}`);
    }
  }
  if (
    resource.Condition !== undefined &&
    !Object.hasOwn(template.Conditions ?? {}, String(resource.Condition))
  ) {
    problems.push(`${path}.Condition: no condition ${String(resource.Condition)}`);
  }
  const properties = resource.Properties ?? {};
  if (!isObject(properties)) return [...problems, `${path}.Properties: expected an object`];
  const known: ResourceProperties = isCustomResource(type)
    ? { ...Object.fromEntries(Object.keys(properties).map((name) => [name, ANY_VALUE])), ...spec.properties }
    : spec.properties;
  return [...problems, ...propertiesProblems(db, properties, known, `${path}.Properties`)];
};

/** `${Name}` and `${Resource.Attribute}` in an Fn::Sub string, less its own variables and `${!literals}`. */
const subReferences = (argument: unknown): string[] => {
  const [text, variables] = Array.isArray(argument) ? argument : [argument, {}];
  if (typeof text !== 'string') return [];
  const own = isObject(variables) ? variables : {};
  return [...text.matchAll(/\$\{([^!}][^}]*)\}/g)]
    .map((match) => (match[1] ?? '').trim())
    .filter((name) => !Object.hasOwn(own, name));
};

/** What a `Ref`, `Fn::GetAtt` or `Fn::Sub` reference names, and whether that exists. */
const referenceProblem = (
  db: SpecDatabase,
  template: TemplateToCheck,
  path: string,
  reference: { ref: string } | { target: string; attribute: unknown },
): string | undefined => {
  if ('ref' in reference) {
    const { ref } = reference;
    const known =
      PSEUDO_PARAMETERS.has(ref) ||
      Object.hasOwn(template.Resources, ref) ||
      Object.hasOwn(template.Parameters ?? {}, ref);
    return known ? undefined : `${path}: Ref to ${ref}, which is no resource, parameter or pseudo parameter`;
  }
  const { target, attribute } = reference;
  const resource = template.Resources[target];
  if (!isObject(resource)) return `${path}: Fn::GetAtt of ${target}, which is no resource`;
  // The attribute may itself be a Ref (to a parameter), known only at deploy time.
  if (typeof attribute !== 'string' || typeof resource.Type !== 'string') return undefined;
  // A custom resource's attributes are whatever its provider returns in Data.
  if (isCustomResource(resource.Type)) return undefined;
  const spec = resourceSpec(db, resource.Type);
  if (spec === undefined || Object.hasOwn(spec.attributes, attribute)) return undefined;
  const known = Object.keys(spec.attributes).sort().join(', ');
  return `${path}: Fn::GetAtt ${target}.${attribute}: ${resource.Type} has no attribute ${attribute} (it has ${known})`;
};

const getAttTarget = (argument: unknown): { target: string; attribute: unknown } | undefined => {
  if (typeof argument === 'string') {
    const dot = argument.indexOf('.');
    return dot < 0 ? undefined : { target: argument.slice(0, dot), attribute: argument.slice(dot + 1) };
  }
  if (Array.isArray(argument) && typeof argument[0] === 'string') {
    return { target: argument[0], attribute: argument[1] };
  }
  return undefined;
};

/** Every reference anywhere below `value`: Ref, Fn::GetAtt, the names in Fn::Sub, Fn::If's condition. */
const referencesProblems = (
  db: SpecDatabase,
  template: TemplateToCheck,
  value: unknown,
  path: string,
): string[] => {
  if (Array.isArray(value)) {
    return value.flatMap((element, index) => referencesProblems(db, template, element, `${path}[${index}]`));
  }
  if (!isObject(value)) return [];
  const problems: (string | undefined)[] = [];
  if (typeof value.Ref === 'string') problems.push(referenceProblem(db, template, path, { ref: value.Ref }));
  if ('Fn::GetAtt' in value) {
    const target = getAttTarget(value['Fn::GetAtt']);
    problems.push(
      target === undefined
        ? `${path}: Fn::GetAtt takes [resource, attribute]`
        : referenceProblem(db, template, path, target),
    );
  }
  for (const name of 'Fn::Sub' in value ? subReferences(value['Fn::Sub']) : []) {
    const target = getAttTarget(name);
    problems.push(referenceProblem(db, template, path, target ?? { ref: name }));
  }
  const condition = 'Fn::If' in value && Array.isArray(value['Fn::If']) ? value['Fn::If'][0] : undefined;
  if (condition !== undefined && !Object.hasOwn(template.Conditions ?? {}, String(condition))) {
    problems.push(`${path}: Fn::If on ${String(condition)}, which is no condition`);
  }
  const nested = Object.entries(value).flatMap(([key, element]) =>
    referencesProblems(db, template, element, `${path}.${key}`),
  );
  return [...problems.filter((problem): problem is string => problem !== undefined), ...nested];
};

/**
 * Every way the template departs from the CloudFormation registry schemas, as `path: problem` lines
 * (none for a template CloudFormation would accept on these grounds): resource types that do not
 * exist, unknown resource attributes and property names, missing required properties, literals and
 * nested objects of the wrong type (intrinsic functions stand for any type; both branches of an
 * Fn::If are checked), and references (`Ref`, `Fn::GetAtt`, the names in `Fn::Sub`, `DependsOn`,
 * conditions) to resources, attributes or conditions that do not exist. Custom resources
 * (`Custom::*`, AWS::CloudFormation::CustomResource) need a ServiceToken and take any other property
 * and any attribute, since their provider defines them.
 */
export const registryProblems = (db: SpecDatabase, template: TemplateToCheck): string[] => [
  ...Object.entries(template.Resources).flatMap(([logicalId, resource]) =>
    resourceProblems(db, template, logicalId, resource),
  ),
  ...(['Resources', 'Outputs', 'Conditions'] as const).flatMap((section) =>
    referencesProblems(db, template, template[section] ?? {}, section),
  ),
];
