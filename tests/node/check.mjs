// Drive the hs-japan emulator with HubSpot's official Node SDK (@hubspot/api-client).
//
// Usage: EMULATOR_URL=http://127.0.0.1:PORT TOKEN=... node tests/node/check.mjs
//
// Calls, one by one, the SDK methods hs-japan relies on and that a third-party client
// would use, and prints ONE JSON document on stdout:
//   {sdkVersion, node, calls: [{name, request, status, expectedStatus, deserialized,
//    model, divergences: [...], ok, ...}]}
//
// "deserialized" says whether the SDK turned the response into its model without
// throwing. The SDK's own deserializer is lenient (it silently drops unknown keys and
// keeps missing ones undefined), so on top of that every response body the SDK
// deserialized is checked strictly against the SDK's model for it: required fields
// present, primitives of the declared type, dates parseable, enum values among the
// declared ones. Each problem is a "divergence"; a call is ok when its status is the
// expected one, the SDK deserialized it, and there are no divergences.
// Fields the emulator sends that the model does not declare are listed as
// "extraFields" (informational: HubSpot itself sends more than the SDK declares).
//
// Exit status: 0 when the script ran to the end (whatever the results), 2 on bad usage.

import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const require = createRequire(import.meta.url);
const hubspot = require('@hubspot/api-client');
const SDK_ROOT = path.dirname(require.resolve('@hubspot/api-client/package.json'));
const SDK_VERSION = require('@hubspot/api-client/package.json').version;

const BASE = process.env.EMULATOR_URL;
const TOKEN = process.env.TOKEN;
if (!BASE || !TOKEN) {
  process.stderr.write('EMULATOR_URL and TOKEN must be set\n');
  process.exit(2);
}

// ---------------------------------------------------------------------------------
// Capture what the SDK deserializes (model name + raw JSON) and the raw exchange.

const MODULES = [
  'crm/properties',
  'crm/pipelines',
  'crm/deals',
  'crm/contacts',
  'crm/companies',
  'crm/owners',
  'crm/associations/v4',
  'crm/lists',
  'crm/objects/leads',
];

let lastDeserialized = null; // {dir, serializer, type, data}
let lastExchange = null; // {method, url, status, text}

const serializers = new Map(); // models dir -> original ObjectSerializer methods
for (const mod of MODULES) {
  const dir = path.join(SDK_ROOT, 'lib', 'codegen', mod, 'models');
  const { ObjectSerializer } = require(path.join(dir, 'ObjectSerializer.js'));
  const original = ObjectSerializer.deserialize;
  serializers.set(dir, { findCorrectType: ObjectSerializer.findCorrectType.bind(ObjectSerializer) });
  // Record each exchange at the SDK's transport (its configured `middleware` option is
  // not applied by the generated Observable APIs of this SDK version, so it cannot be used).
  const { IsomorphicFetchHttpLibrary } = require(path.join(dir, '..', 'http', 'isomorphic-fetch.js'));
  const { Observable } = require(path.join(dir, '..', 'rxjsStub.js'));
  const send = IsomorphicFetchHttpLibrary.prototype.send;
  IsomorphicFetchHttpLibrary.prototype.send = function recordingSend(request) {
    const exchange = { method: String(request.getHttpMethod()), url: request.getUrl() };
    lastExchange = exchange;
    const answered = send.call(this, request).toPromise().then(async (response) => {
      const text = await response.body.text();
      exchange.status = response.httpStatusCode;
      exchange.text = text;
      response.body = { text: async () => text, binary: async () => Buffer.from(text) };
      return response;
    });
    return new Observable(answered);
  };
  let depth = 0;
  ObjectSerializer.deserialize = function patched(data, type, format) {
    if (depth === 0) lastDeserialized = { dir, type, data };
    depth += 1;
    try {
      return original.call(this, data, type, format);
    } finally {
      depth -= 1;
    }
  };
}

function makeClient(accessToken) {
  return new hubspot.Client({ accessToken, basePath: BASE });
}

// ---------------------------------------------------------------------------------
// Strict model check, from the SDK's generated models (attributeTypeMap + .d.ts).

const modelCache = new Map();
const enumCache = new Map();
const PRIMITIVES = ['string', 'boolean', 'double', 'integer', 'long', 'float', 'number'];
const MAP_PREFIX = '{ [key: string]: ';
const MAP_SUFFIX = '; }';

function enumsOf(dir) {
  if (!enumCache.has(dir)) {
    const enums = new Map();
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.d.ts'))) {
      const text = fs.readFileSync(path.join(dir, file), 'utf8');
      for (const m of text.matchAll(/export declare enum (\w+) \{([^}]*)\}/g)) {
        enums.set(m[1], [...m[2].matchAll(/=\s*"([^"]*)"/g)].map((v) => v[1]));
      }
    }
    enumCache.set(dir, enums);
  }
  return enumCache.get(dir);
}

function modelOf(dir, type) {
  const key = `${dir}:${type}`;
  if (!modelCache.has(key)) {
    const js = path.join(dir, `${type}.js`);
    if (!fs.existsSync(js)) {
      modelCache.set(key, null);
    } else {
      const cls = require(js)[type];
      const dts = fs.readFileSync(path.join(dir, `${type}.d.ts`), 'utf8');
      const classBody = dts.slice(dts.indexOf('export declare class'));
      const required = new Set(
        [...classBody.matchAll(/^ {4}'(\w+)'(\?)?:/gm)].filter((m) => !m[2]).map((m) => m[1]),
      );
      modelCache.set(key, { attrs: cls.getAttributeTypeMap(), required });
    }
  }
  return modelCache.get(key);
}

function checkValue(dir, data, type, where, issues, extras) {
  if (data === undefined || data === null) return;
  if (type.includes(' | ')) {
    const options = type.split(' | ');
    let best = null;
    for (const option of options) {
      const tried = [];
      const tryExtras = [];
      checkValue(dir, data, option, where, tried, tryExtras);
      if (tried.length === 0) {
        extras.push(...tryExtras);
        return;
      }
      if (best === null) best = tried;
    }
    issues.push(...best);
    return;
  }
  const lower = type.toLowerCase();
  if (lower === 'any' || lower === 'object') return;
  if (PRIMITIVES.includes(lower)) {
    const expected = lower === 'string' ? 'string' : lower === 'boolean' ? 'boolean' : 'number';
    if (typeof data !== expected) {
      issues.push(`${where}: expected ${type}, got ${JSON.stringify(data)}`);
    }
    return;
  }
  if (type === 'Date') {
    if (typeof data !== 'string' || Number.isNaN(Date.parse(data))) {
      issues.push(`${where}: expected a date-time string, got ${JSON.stringify(data)}`);
    }
    return;
  }
  if (type.startsWith('Array<')) {
    if (!Array.isArray(data)) {
      issues.push(`${where}: expected an array, got ${JSON.stringify(data).slice(0, 80)}`);
      return;
    }
    const sub = type.slice('Array<'.length, -1);
    data.forEach((item, i) => checkValue(dir, item, sub, `${where}[${i}]`, issues, extras));
    return;
  }
  if (type.startsWith(MAP_PREFIX)) {
    if (typeof data !== 'object' || Array.isArray(data)) {
      issues.push(`${where}: expected an object, got ${JSON.stringify(data).slice(0, 80)}`);
      return;
    }
    const sub = type.slice(MAP_PREFIX.length, -MAP_SUFFIX.length);
    for (const [k, v] of Object.entries(data)) checkValue(dir, v, sub, `${where}.${k}`, issues, extras);
    return;
  }
  const enums = enumsOf(dir);
  if (enums.has(type)) {
    if (!enums.get(type).includes(data)) {
      issues.push(`${where}: ${JSON.stringify(data)} is not one of ${enums.get(type).join('|')}`);
    }
    return;
  }
  const resolved = serializers.get(dir).findCorrectType(data, type);
  const model = modelOf(dir, resolved);
  if (model === null) return; // not a model the SDK knows: it passes the value through
  if (typeof data !== 'object' || Array.isArray(data)) {
    issues.push(`${where}: expected a ${resolved} object, got ${JSON.stringify(data).slice(0, 80)}`);
    return;
  }
  const known = new Set();
  for (const attr of model.attrs) {
    known.add(attr.baseName);
    const value = data[attr.baseName];
    if (value === undefined && model.required.has(attr.name)) {
      issues.push(`${where}: ${resolved}.${attr.baseName} is required by the SDK model but missing`);
    }
    checkValue(dir, value, attr.type, `${where}.${attr.baseName}`, issues, extras);
  }
  for (const k of Object.keys(data)) {
    if (!known.has(k)) extras.push(`${where}.${k}`);
  }
}

// ---------------------------------------------------------------------------------
// Running calls.

const results = [];
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function isApiException(e) {
  return e && typeof e.code === 'number' && 'body' in e && 'headers' in e;
}

function parseJson(text) {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Run one SDK call. `fn` returns the SDK's HttpInfo (the ...WithHttpInfo methods).
 * `checks(data, raw)` returns a list of problems with the content (optional).
 * Returns the deserialized data (or undefined).
 */
async function sdkCall(name, expectedStatus, fn, checks) {
  lastDeserialized = null;
  lastExchange = null;
  const rec = { name, kind: 'sdk', expectedStatus, status: null, deserialized: false };
  const divergences = [];
  const extras = [];
  let data;
  let raw;
  try {
    const info = await fn();
    rec.status = info.httpStatusCode;
    rec.deserialized = true;
    data = info.data;
  } catch (e) {
    if (isApiException(e)) {
      rec.status = e.code;
      // The SDK throws ApiException both for error statuses (body deserialized as its
      // Error model) and for statuses it does not expect ("Unknown API Status Code!").
      rec.deserialized = !String(e.message).includes('Unknown API Status Code');
      if (e.code >= 200 && e.code < 300) {
        // A success status the SDK does not expect for this method: it raises instead of
        // returning its model, so a caller sees a failure.
        rec.deserialized = false;
        divergences.push(`the SDK raised ApiException on HTTP ${e.code} (it expects another status)`);
      }
      rec.sdkMessage = String(e.message).split('\n')[1] ?? '';
      data = e.body;
    } else {
      rec.exception = String(e && e.stack ? e.stack : e).split('\n').slice(0, 3).join(' | ');
      if (lastExchange && lastExchange.status !== undefined) rec.status = lastExchange.status;
    }
  }
  if (lastExchange) {
    rec.request = `${lastExchange.method} ${lastExchange.url.replace(BASE, '')}`;
    raw = parseJson(lastExchange.text);
  }
  if (lastDeserialized && !(rec.status >= 200 && rec.status < 300 && lastDeserialized.type === 'Error')) {
    rec.model = lastDeserialized.type;
    checkValue(lastDeserialized.dir, lastDeserialized.data, lastDeserialized.type, '$', divergences, extras);
  }
  if (rec.status !== expectedStatus) {
    divergences.push(`expected HTTP ${expectedStatus}, got ${rec.status}`);
  }
  if (!rec.deserialized) divergences.push('the SDK could not deserialize the response');
  if (checks && rec.deserialized) {
    try {
      divergences.push(...checks(data, raw));
    } catch (e) {
      divergences.push(`content check raised: ${e}`);
    }
  }
  rec.divergences = divergences;
  if (extras.length) rec.extraFields = [...new Set(extras)].slice(0, 20);
  rec.ok = divergences.length === 0;
  if (!rec.ok && lastExchange && lastExchange.text) rec.responseBody = lastExchange.text.slice(0, 1500);
  results.push(rec);
  return data;
}

/** One client.apiRequest call (no SDK model: checks are on the raw JSON). */
async function rawCall(client, name, expectedStatus, opts, checks) {
  const rec = { name, kind: 'apiRequest', expectedStatus, status: null, deserialized: false };
  rec.request = `${opts.method ?? 'GET'} ${opts.path}`;
  const divergences = [];
  let raw;
  let text = '';
  try {
    const res = await client.apiRequest(opts);
    rec.status = res.status;
    text = await res.text();
    raw = parseJson(text);
    rec.deserialized = text === '' ? expectedStatus === 204 : raw !== undefined;
  } catch (e) {
    rec.exception = String(e);
  }
  if (rec.status !== expectedStatus) divergences.push(`expected HTTP ${expectedStatus}, got ${rec.status}`);
  if (!rec.deserialized) divergences.push('the response body is not the JSON expected');
  if (checks && rec.deserialized) {
    try {
      divergences.push(...checks(raw));
    } catch (e) {
      divergences.push(`content check raised: ${e}`);
    }
  }
  rec.divergences = divergences;
  rec.ok = divergences.length === 0;
  if (!rec.ok) rec.responseBody = text.slice(0, 1500);
  results.push(rec);
  return raw;
}

function expect(cond, message) {
  return cond ? [] : [message];
}

/** HubSpot's documented error body (NOTES §3.1): status, message, correlationId, category. */
function errorBody(category) {
  return (_data, raw) => [
    ...expect(raw && raw.status === 'error', `error body: status should be "error", got ${JSON.stringify(raw?.status)}`),
    ...expect(raw && typeof raw.message === 'string' && raw.message.length > 0, 'error body: message missing'),
    ...expect(raw && UUID.test(String(raw.correlationId)), `error body: correlationId not a UUID: ${raw?.correlationId}`),
    ...expect(raw && raw.category === category, `error body: category should be ${category}, got ${raw?.category}`),
  ];
}

// ---------------------------------------------------------------------------------
// The calls.

const client = makeClient(TOKEN);
const crm = client.crm;
const suffix = Date.now().toString(36);

// Account ---------------------------------------------------------------------------
await rawCall(client, 'account.details (apiRequest)', 200, { method: 'GET', path: '/account-info/v3/details' }, (raw) => [
  ...expect(Number.isInteger(raw.portalId), `portalId should be an integer, got ${JSON.stringify(raw.portalId)}`),
  ...expect(typeof raw.timeZone === 'string', 'timeZone missing'),
  ...expect(typeof raw.companyCurrency === 'string', 'companyCurrency missing'),
  ...expect(typeof raw.accountType === 'string', 'accountType missing'),
]);

// Property groups -------------------------------------------------------------------
const groups = crm.properties.groupsApi;
const GROUP = `node_check_${suffix}`;
await sdkCall('properties.groupsApi.create', 201, () =>
  groups.createWithHttpInfo('deals', { name: GROUP, label: 'Node check', displayOrder: -1 }),
  (d) => expect(d.name === GROUP, `group name ${d.name}`));
await sdkCall('properties.groupsApi.getAll', 200, () => groups.getAllWithHttpInfo('deals'),
  (d) => expect(d.results.some((g) => g.name === GROUP), 'new group not listed'));
await sdkCall('properties.groupsApi.getByName', 200, () => groups.getByNameWithHttpInfo('deals', GROUP));
await sdkCall('properties.groupsApi.update', 200, () =>
  groups.updateWithHttpInfo('deals', GROUP, { label: 'Node check (renamed)' }),
  (d) => expect(d.label === 'Node check (renamed)', `label ${d.label}`));
const EMPTY_GROUP = `node_empty_${suffix}`;
await sdkCall('properties.groupsApi.create (empty group)', 201, () =>
  groups.createWithHttpInfo('deals', { name: EMPTY_GROUP, label: 'Empty', displayOrder: -1 }));
await sdkCall('properties.groupsApi.archive', 204, () => groups.archiveWithHttpInfo('deals', EMPTY_GROUP));

// Properties --------------------------------------------------------------------------
const core = crm.properties.coreApi;
const TEXT = `node_text_${suffix}`;
const TIER = `node_tier_${suffix}`;
const options = (values) => values.map((v, i) => ({ label: v.toUpperCase(), value: v, displayOrder: i, hidden: false }));
await sdkCall('properties.coreApi.getAll', 200, () => core.getAllWithHttpInfo('deals'),
  (d) => expect(d.results.some((p) => p.name === 'dealname'), 'dealname not listed'));
await sdkCall('properties.coreApi.create (string/text)', 201, () =>
  core.createWithHttpInfo('deals', { name: TEXT, label: 'Node text', type: 'string', fieldType: 'text', groupName: GROUP }),
  (d) => expect(d.name === TEXT && d.type === 'string', `created ${d.name}/${d.type}`));
await sdkCall('properties.coreApi.create (enumeration/select)', 201, () =>
  core.createWithHttpInfo('deals', {
    name: TIER, label: 'Node tier', type: 'enumeration', fieldType: 'select', groupName: GROUP,
    options: options(['gold', 'silver']),
  }),
  (d) => expect(d.options.length === 2, `options ${JSON.stringify(d.options)}`));
await sdkCall('properties.coreApi.getByName', 200, () => core.getByNameWithHttpInfo('deals', TIER),
  (d) => expect(d.groupName === GROUP, `groupName ${d.groupName}`));
await sdkCall('properties.coreApi.update', 200, () =>
  core.updateWithHttpInfo('deals', TIER, { label: 'Node tier 2', options: options(['gold', 'silver', 'bronze']) }),
  (d) => expect(d.label === 'Node tier 2' && d.options.length === 3, `updated ${d.label}/${d.options?.length}`));
const BATCH_A = `node_batch_a_${suffix}`;
const BATCH_B = `node_batch_b_${suffix}`;
await sdkCall('properties.batchApi.create', 201, () =>
  crm.properties.batchApi.createWithHttpInfo('deals', {
    inputs: [BATCH_A, BATCH_B].map((name) => ({ name, label: name, type: 'number', fieldType: 'number', groupName: GROUP })),
  }),
  (d) => expect(d.results.length === 2 && d.status === 'COMPLETE', `batch create ${d.status}/${d.results?.length}`));
await sdkCall('properties.batchApi.read', 200, () =>
  crm.properties.batchApi.readWithHttpInfo('deals', { archived: false, inputs: [{ name: BATCH_A }, { name: TEXT }] }),
  (d) => expect(d.results.length === 2, `batch read ${d.results?.length}`));
await sdkCall('properties.coreApi.archive', 204, () => core.archiveWithHttpInfo('deals', TEXT));
await sdkCall('properties.batchApi.archive', 204, () =>
  crm.properties.batchApi.archiveWithHttpInfo('deals', { inputs: [{ name: BATCH_B }] }));

// Pipelines and stages --------------------------------------------------------------
const pipelines = crm.pipelines.pipelinesApi;
const stages = crm.pipelines.pipelineStagesApi;
await sdkCall('pipelines.pipelinesApi.getAll', 200, () => pipelines.getAllWithHttpInfo('deals'),
  (d) => expect(d.results.some((p) => p.id === 'default'), 'default pipeline not listed'));
const pipeline = await sdkCall('pipelines.pipelinesApi.create', 201, () =>
  pipelines.createWithHttpInfo('deals', {
    label: `Node pipeline ${suffix}`, displayOrder: 5,
    stages: [
      { label: 'Open', displayOrder: 0, metadata: { probability: '0.2' } },
      { label: 'Won', displayOrder: 1, metadata: { probability: '1.0' } },
    ],
  }),
  (d) => expect(d.stages.length === 2, `stages ${d.stages?.length}`));
const pid = pipeline?.id ?? 'missing';
await sdkCall('pipelines.pipelinesApi.getById', 200, () => pipelines.getByIdWithHttpInfo('deals', pid));
await sdkCall('pipelines.pipelinesApi.update', 200, () =>
  pipelines.updateWithHttpInfo('deals', pid, { label: `Node pipeline ${suffix} (renamed)` }),
  (d) => expect(d.stages.length === 2 && d.label.endsWith('(renamed)'), `patched ${d.label}`));
const stage = await sdkCall('pipelines.pipelineStagesApi.create', 201, () =>
  stages.createWithHttpInfo('deals', pid, { label: 'Lost', displayOrder: 2, metadata: { probability: '0.0' } }),
  (d) => expect(d.metadata.probability === '0.0', `metadata ${JSON.stringify(d.metadata)}`));
const sid = stage?.id ?? 'missing';
await sdkCall('pipelines.pipelineStagesApi.getAll', 200, () => stages.getAllWithHttpInfo('deals', pid),
  (d) => expect(d.results.length === 3, `stage count ${d.results?.length}`));
await sdkCall('pipelines.pipelineStagesApi.getById', 200, () => stages.getByIdWithHttpInfo('deals', pid, sid));
await sdkCall('pipelines.pipelineStagesApi.update', 200, () =>
  stages.updateWithHttpInfo('deals', pid, sid, { label: 'Lost (renamed)' }),
  (d) => expect(d.label === 'Lost (renamed)', `label ${d.label}`));
await sdkCall('pipelines.pipelineStagesApi.replace', 200, () =>
  stages.replaceWithHttpInfo('deals', pid, sid, { label: 'Lost', displayOrder: 2, metadata: { probability: '0.0' } }));
await sdkCall('pipelines.pipelineStagesApi.archive', 204, () => stages.archiveWithHttpInfo('deals', pid, sid));
await sdkCall('pipelines.pipelinesApi.replace', 200, () =>
  pipelines.replaceWithHttpInfo('deals', pid, {
    label: `Node pipeline ${suffix}`, displayOrder: 6,
    stages: [{ label: 'Only', displayOrder: 0, metadata: { probability: '0.5' } }],
  }),
  (d) => expect(d.stages.length === 1, `stages after PUT ${d.stages?.length}`));
await sdkCall('pipelines.pipelinesApi.archive', 204, () => pipelines.archiveWithHttpInfo('deals', pid));
await sdkCall('pipelines.pipelinesApi.getById (archived -> 404)', 404, () => pipelines.getByIdWithHttpInfo('deals', pid),
  errorBody('OBJECT_NOT_FOUND'));

// Owners ------------------------------------------------------------------------------
const owners = await sdkCall('owners.ownersApi.getPage', 200, () => crm.owners.ownersApi.getPageWithHttpInfo(),
  (d) => expect(d.results.length >= 1, 'no owner'));
const ownerId = owners?.results?.[0]?.id ?? '0';
await sdkCall('owners.ownersApi.getById', 200, () => crm.owners.ownersApi.getByIdWithHttpInfo(Number(ownerId)),
  (d) => expect(d.id === ownerId, `owner ${d.id}`));

// CRM records -------------------------------------------------------------------------
const records = {};
const samples = {
  contacts: { first: { email: `taro.${suffix}@example.jp`, firstname: 'Taro' }, second: (i) => ({ email: `b${i}.${suffix}@example.jp` }), update: { firstname: 'Jiro' }, key: 'email' },
  companies: { first: { name: `Node KK ${suffix}`, domain: 'node.example.jp' }, second: (i) => ({ name: `Batch ${i} ${suffix}` }), update: { name: `Node KK ${suffix} (renamed)` }, key: 'name' },
  deals: { first: { dealname: `Node deal ${suffix}`, pipeline: 'default', dealstage: 'appointmentscheduled', amount: '1200000', hubspot_owner_id: ownerId }, second: (i) => ({ dealname: `Batch ${i} ${suffix}`, pipeline: 'default', dealstage: 'qualifiedtobuy' }), update: { dealstage: 'presentationscheduled' }, key: 'dealname' },
};
for (const [type, s] of Object.entries(samples)) {
  const api = crm[type];
  const created = await sdkCall(`${type}.basicApi.create`, 201, () =>
    api.basicApi.createWithHttpInfo({ properties: s.first, associations: [] }),
    (d) => expect(d.properties[s.key] === s.first[s.key], `${s.key} = ${d.properties?.[s.key]}`));
  const id = created?.id ?? '0';
  records[type] = id;
  await sdkCall(`${type}.basicApi.getById`, 200, () => api.basicApi.getByIdWithHttpInfo(id, [s.key]),
    (d) => expect(d.id === id && d.properties[s.key] === s.first[s.key], `read back ${JSON.stringify(d.properties)}`));
  await sdkCall(`${type}.basicApi.getPage`, 200, () => api.basicApi.getPageWithHttpInfo(10, undefined, [s.key]),
    (d) => expect(d.results.some((r) => r.id === id), 'created record not on the first page'));
  await sdkCall(`${type}.basicApi.update`, 200, () => api.basicApi.updateWithHttpInfo(id, { properties: s.update }),
    (d) => expect(Object.entries(s.update).every(([k, v]) => d.properties[k] === v), `updated ${JSON.stringify(d.properties)}`));
  const batch = await sdkCall(`${type}.batchApi.create`, 201, () =>
    api.batchApi.createWithHttpInfo({ inputs: [1, 2].map((i) => ({ properties: s.second(i), associations: [] })) }),
    (d) => expect(d.results.length === 2, `batch created ${d.results?.length}`));
  const batchIds = (batch?.results ?? []).map((r) => r.id);
  await sdkCall(`${type}.batchApi.read`, 200, () =>
    api.batchApi.readWithHttpInfo({ inputs: batchIds.map((bid) => ({ id: bid })), properties: [s.key], propertiesWithHistory: [] }),
    (d) => expect(d.results.length === 2, `batch read ${d.results?.length}`));
  await sdkCall(`${type}.batchApi.update`, 200, () =>
    api.batchApi.updateWithHttpInfo({ inputs: batchIds.map((bid) => ({ id: bid, properties: s.update })) }),
    (d) => expect(d.results.length === 2, `batch updated ${d.results?.length}`));
  await sdkCall(`${type}.searchApi.doSearch`, 200, () =>
    api.searchApi.doSearchWithHttpInfo({
      filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'EQ', value: id }] }],
      properties: [s.key], sorts: ['-createdate'], limit: 10, after: '0',
    }),
    (d) => expect(d.total === 1 && d.results[0]?.id === id, `search found ${d.total}`));
  await sdkCall(`${type}.batchApi.archive`, 204, () =>
    api.batchApi.archiveWithHttpInfo({ inputs: batchIds.slice(0, 1).map((bid) => ({ id: bid })) }));
  await sdkCall(`${type}.basicApi.archive`, 204, () => api.basicApi.archiveWithHttpInfo(batchIds[1] ?? '0'));
}

// Associations v4 -----------------------------------------------------------------------
const assoc = crm.associations.v4.basicApi;
await sdkCall('associations.v4.basicApi.createDefault (deal->contact)', 200, () =>
  assoc.createDefaultWithHttpInfo('deals', records.deals, 'contacts', records.contacts),
  (d) => expect(d.status === 'COMPLETE' && d.results.length >= 1, `createDefault ${d.status}/${d.results?.length}`));
await sdkCall('associations.v4.basicApi.create (contact->company, primary 1)', 201, () =>
  assoc.createWithHttpInfo('contacts', records.contacts, 'companies', records.companies,
    [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }]),
  (d) => expect(String(d.fromObjectId) === records.contacts && String(d.toObjectId) === records.companies, `created ${JSON.stringify(d)}`));
await sdkCall('associations.v4.basicApi.getPage (deal->contacts)', 200, () =>
  assoc.getPageWithHttpInfo('deals', records.deals, 'contacts'),
  (d) => expect(d.results.some((r) => String(r.toObjectId) === records.contacts), 'contact not associated'));
await sdkCall('associations.v4.batchApi.getPage (contacts->companies)', 200, () =>
  crm.associations.v4.batchApi.getPageWithHttpInfo('contacts', 'companies', { inputs: [{ id: records.contacts }] }),
  (d) => expect(d.results.length === 1 && d.results[0].to.some((t) => String(t.toObjectId) === records.companies), 'batch read missed the company'));
await sdkCall('associations.v4.basicApi.archive', 204, () =>
  assoc.archiveWithHttpInfo('deals', records.deals, 'contacts', records.contacts));

// Leads: created with their contact (the leads guide: "Must be associated with an existing
// contact"; type 578, HUBSPOT_DEFINED) ------------------------------------------------------
const leads = crm.objects.leads;
const leadProps = (name) => ({ hs_lead_name: name, hs_pipeline: 'lead-pipeline-id', hs_pipeline_stage: 'new-stage-id' });
const toContact = [{ to: { id: records.contacts }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 578 }] }];
await sdkCall('leads.basicApi.create (no contact -> 400)', 400, () =>
  leads.basicApi.createWithHttpInfo({ properties: leadProps(`Node lead ${suffix}`), associations: [] }),
  errorBody('VALIDATION_ERROR'));
await sdkCall('leads.basicApi.create (with its contact)', 201, () =>
  leads.basicApi.createWithHttpInfo({ properties: leadProps(`Node lead ${suffix}`), associations: toContact }),
  (d) => expect(d.properties.hs_lead_name === `Node lead ${suffix}`, `lead ${JSON.stringify(d.properties)}`));
await sdkCall('leads.batchApi.create (one without contact -> 400)', 400, () =>
  leads.batchApi.createWithHttpInfo({ inputs: [
    { properties: leadProps(`Node lead A ${suffix}`), associations: toContact },
    { properties: leadProps(`Node lead B ${suffix}`), associations: [] },
  ] }),
  errorBody('VALIDATION_ERROR'));
await sdkCall('leads.batchApi.create (each with its contact)', 201, () =>
  leads.batchApi.createWithHttpInfo({ inputs: [1, 2].map((i) => ({ properties: leadProps(`Node lead ${i} ${suffix}`), associations: toContact })) }),
  (d) => expect(d.results.length === 2 && d.status === 'COMPLETE', `batch leads ${d.status}/${d.results?.length}`));

// Lists ---------------------------------------------------------------------------------
const lists = crm.lists.listsApi;
const LIST = `Node ICP ${suffix}`;
const listFilter = {
  filterBranchType: 'OR', filterBranchOperator: 'OR', filters: [],
  filterBranches: [{
    filterBranchType: 'AND', filterBranchOperator: 'AND', filterBranches: [],
    filters: [{ filterType: 'PROPERTY', property: 'name', operation: { operationType: 'STRING', operator: 'CONTAINS', value: 'Node KK', includeObjectsWithNoValueSet: false } }],
  }],
};
const createdList = await sdkCall('lists.listsApi.create', 200, () =>
  lists.createWithHttpInfo({ name: LIST, objectTypeId: '0-2', processingType: 'DYNAMIC', filterBranch: listFilter }),
  (d) => expect(d.list.name === LIST && d.list.processingType === 'DYNAMIC', `list ${JSON.stringify(d.list).slice(0, 120)}`));
const listId = createdList?.list?.listId ?? '0';
await sdkCall('lists.listsApi.getById', 200, () => lists.getByIdWithHttpInfo(listId, true),
  (d) => expect(d.list.listId === listId && d.list.filterBranch !== undefined, 'list read back without filters'));
await sdkCall('lists.listsApi.getByName', 200, () => lists.getByNameWithHttpInfo(LIST, '0-2'),
  (d) => expect(d.list.listId === listId, `by name ${d.list?.listId}`));
await sdkCall('lists.listsApi.doSearch', 200, () =>
  lists.doSearchWithHttpInfo({ query: 'Node ICP', offset: 0, count: 20, processingTypes: ['DYNAMIC'] }),
  (d) => expect(d.lists.some((l) => l.listId === listId), 'list not found by search'));
await sdkCall('lists.listsApi.updateName', 200, () => lists.updateNameWithHttpInfo(listId, `${LIST} renamed`),
  (d) => expect(d.updatedList.name === `${LIST} renamed`, `renamed ${d.updatedList?.name}`));
await sdkCall('lists.membershipsApi.getPage', 200, () => crm.lists.membershipsApi.getPageWithHttpInfo(listId),
  (d) => expect(d.results.some((m) => m.recordId === records.companies), `members ${JSON.stringify(d.results)}`));
await sdkCall('lists.listsApi.remove', 204, () => lists.removeWithHttpInfo(listId));

// Flows (the SDK has no automation v4 flows client: apiRequest, as the Python engine does) ---
const FLOWS = '/automation/v4/flows';
const flowBody = {
  type: 'PLATFORM_FLOW', objectTypeId: '0-3', flowType: 'WORKFLOW', name: `Node follow-up ${suffix}`,
  isEnabled: false, startActionId: '1',
  actions: [
    { type: 'SINGLE_CONNECTION', actionId: '1', actionTypeId: '0-1', actionTypeVersion: 0,
      fields: { delta: '1', time_unit: 'DAYS' }, connection: { edgeType: 'STANDARD', nextActionId: '2' } },
    { type: 'SINGLE_CONNECTION', actionId: '2', actionTypeId: '0-3', actionTypeVersion: 0,
      fields: { task_type: 'TODO', subject: 'Follow up', priority: 'HIGH' } },
  ],
  enrollmentCriteria: {
    type: 'LIST_BASED', shouldReEnroll: false, unEnrollObjectsNotMeetingCriteria: false,
    reEnrollmentTriggersFilterBranches: [],
    listFilterBranch: {
      filterBranchType: 'OR', filterBranchOperator: 'OR', filters: [],
      filterBranches: [{
        filterBranchType: 'AND', filterBranchOperator: 'AND', filterBranches: [],
        filters: [{ filterType: 'PROPERTY', property: 'dealstage', operation: { operationType: 'ENUMERATION', operator: 'IS_ANY_OF', values: ['presentationscheduled'], includeObjectsWithNoValueSet: false } }],
      }],
    },
  },
  timeWindows: [], blockedDates: [], customProperties: { hs_japan_key: 'node-check' }, dataSources: [],
};
const flow = await rawCall(client, 'automation.flows create (apiRequest)', 201, { method: 'POST', path: FLOWS, body: flowBody },
  (raw) => [
    ...expect(/^\d+$/.test(String(raw.id)), `flow id ${raw.id}`),
    ...expect(raw.revisionId === '1', `revisionId ${raw.revisionId}`),
    ...expect(raw.nextAvailableActionId === '3', `nextAvailableActionId ${raw.nextAvailableActionId}`),
  ]);
const flowId = flow?.id ?? '0';
await rawCall(client, 'automation.flows list (apiRequest)', 200, { method: 'GET', path: FLOWS },
  (raw) => expect(raw.results.some((f) => f.id === flowId), 'flow not listed'));
const readFlow = await rawCall(client, 'automation.flows get (apiRequest)', 200, { method: 'GET', path: `${FLOWS}/${flowId}` },
  (raw) => expect(raw.name === flowBody.name, `name ${raw.name}`));
await rawCall(client, 'automation.flows update (apiRequest)', 200,
  { method: 'PUT', path: `${FLOWS}/${flowId}`, body: { ...flowBody, name: `${flowBody.name} v2`, revisionId: readFlow?.revisionId ?? '1' } },
  (raw) => expect(raw.revisionId === '2' && raw.name.endsWith('v2'), `after PUT ${raw.revisionId}/${raw.name}`));
await rawCall(client, 'automation.flows delete (apiRequest)', 204, { method: 'DELETE', path: `${FLOWS}/${flowId}` });

// Errors: the SDK raises, with HubSpot's documented error body --------------------------
await sdkCall('error: 404 unknown property (coreApi.getByName)', 404, () =>
  core.getByNameWithHttpInfo('deals', `no_such_property_${suffix}`), errorBody('OBJECT_NOT_FOUND'));
await sdkCall('error: 404 unknown deal (deals.basicApi.getById)', 404, () =>
  crm.deals.basicApi.getByIdWithHttpInfo('999999999'), errorBody('OBJECT_NOT_FOUND'));
await sdkCall('error: 400 validation (coreApi.create with an unknown group)', 400, () =>
  core.createWithHttpInfo('deals', { name: `node_bad_${suffix}`, label: 'Bad', type: 'string', fieldType: 'text', groupName: `no_group_${suffix}` }),
  errorBody('VALIDATION_ERROR'));
await sdkCall('error: 409 existing property (coreApi.create)', 409, () =>
  core.createWithHttpInfo('deals', { name: TIER, label: 'Again', type: 'string', fieldType: 'text', groupName: GROUP }),
  errorBody('CONFLICT'));
await sdkCall('error: 401 bad token (coreApi.getAll)', 401, () =>
  makeClient('not-a-valid-token').crm.properties.coreApi.getAllWithHttpInfo('deals'),
  errorBody('INVALID_AUTHENTICATION'));

process.stdout.write(`${JSON.stringify({ sdkVersion: SDK_VERSION, node: process.version, calls: results }, null, 2)}\n`);
