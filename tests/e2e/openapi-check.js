// Checks real answers of the daemon against doc/openapi.yaml. The document
// itself is validated against the OpenAPI 3.1 schema by
// @seriousme/openapi-schema-validator; each answer's body is validated with
// Ajv (JSON Schema 2020-12, the dialect of OpenAPI 3.1) against the schema the
// document gives for its path, method, status and media type, and the headers
// the document marks required must be present and match their schemas. Every
// (operation, status) pair checked is recorded, so a test can require that
// every documented answer was seen.

import fs from 'node:fs';
import path from 'node:path';
import assert from 'node:assert/strict';
import { Validator } from '@seriousme/openapi-schema-validator';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import YAML from 'yaml';
import { repoRoot } from './harness.js';

export const documentPath = path.join(repoRoot, 'doc/openapi.yaml');
const DOC_ID = 'https://zaptec-accessd.invalid/openapi.yaml';
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

// A JSON Pointer fragment for the given keys.
function pointer(...keys) {
  return '#/' + keys.map((k) => String(k).replaceAll('~', '~0').replaceAll('/', '~1')).join('/');
}

export class OpenApiChecker {
  constructor() {
    this.doc = YAML.parse(fs.readFileSync(documentPath, 'utf8'));
    // The document's own keywords (paths, responses ...) are not JSON Schema:
    // strict mode would refuse them, so it is off for this one document.
    this.ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats(this.ajv);
    this.ajv.addSchema(this.doc, DOC_ID);
    this.compiled = new Map();
    this.seen = new Set();
    this.operations = [];
    for (const [template, item] of Object.entries(this.doc.paths)) {
      const regex = new RegExp('^' + template.replace(/\{[^}]+\}/g, '[^/]+') + '$');
      for (const method of METHODS) {
        if (item[method]) this.operations.push({ template, method, regex, op: item[method] });
      }
    }
  }

  // The document checked against the OpenAPI 3.1 schema.
  async validateDocument() {
    const validator = new Validator();
    const result = await validator.validate(this.doc);
    assert.equal(validator.version, '3.1', 'doc/openapi.yaml is not an OpenAPI 3.1 document');
    assert.ok(result.valid, 'doc/openapi.yaml is not valid OpenAPI: ' + JSON.stringify(result.errors, null, 2));
  }

  // A $ref to a component, followed; anything else as it is. Returns the
  // object and the pointer it lives at.
  resolve(obj, at) {
    if (obj && obj.$ref) {
      const keys = obj.$ref.replace(/^#\//, '').split('/');
      return { obj: keys.reduce((o, k) => o[k.replaceAll('~1', '/').replaceAll('~0', '~')], this.doc), at: keys };
    }
    return { obj, at };
  }

  validator(keys) {
    const id = DOC_ID + pointer(...keys);
    if (!this.compiled.has(id)) this.compiled.set(id, this.ajv.compile({ $ref: id }));
    return this.compiled.get(id);
  }

  // Checks one answer: method, the request's path (no query), status, the
  // headers (a Headers object) and the body's text. Throws naming what does
  // not match the document.
  check(method, urlPath, status, headers, text) {
    method = method.toLowerCase();
    const found = this.operations.find((o) => o.method === method && o.regex.test(urlPath));
    assert.ok(found, `${method.toUpperCase()} ${urlPath} is not in doc/openapi.yaml`);
    const what = `${method.toUpperCase()} ${found.template} ${status}`;
    const raw = found.op.responses[String(status)];
    assert.ok(raw, `${what}: the document has no such answer; body: ${text}`);
    const { obj: response, at } = this.resolve(raw, ['paths', found.template, method, 'responses', String(status)]);

    for (const [name, spec] of Object.entries(response.headers || {})) {
      const value = headers.get(name);
      if (spec.required) assert.ok(value !== null, `${what}: header ${name} is missing`);
      if (value !== null && spec.schema) {
        const validate = this.validator([...at, 'headers', name, 'schema']);
        assert.ok(validate(value), `${what}: header ${name}: ${value}: ${this.ajv.errorsText(validate.errors)}`);
      }
    }

    const type = (headers.get('content-type') || '').split(';')[0].trim();
    if (!response.content) {
      assert.equal(text, '', `${what}: the document gives no body, the daemon sent one`);
    } else {
      assert.ok(response.content[type], `${what}: Content-Type ${type} is not one the document gives ` +
                `(${Object.keys(response.content).join(', ')})`);
      const schema = response.content[type].schema;
      if (schema) {
        const body = type === 'text/plain' ? text : JSON.parse(text);
        const validate = this.validator([...at, 'content', type, 'schema']);
        assert.ok(validate(body), `${what}: the body does not match the document: ` +
                  `${this.ajv.errorsText(validate.errors)}\n${text.slice(0, 2000)}`);
      }
    }
    this.seen.add(`${method.toUpperCase()} ${found.template} ${status}`);
  }

  // Every documented answer not seen, leaving out the statuses in except.
  unseen(except) {
    const missing = [];
    for (const { template, method, op } of this.operations) {
      for (const status of Object.keys(op.responses)) {
        const key = `${method.toUpperCase()} ${template} ${status}`;
        if (!this.seen.has(key) && !except.includes(key) && !except.includes(status)) missing.push(key);
      }
    }
    return missing;
  }
}
