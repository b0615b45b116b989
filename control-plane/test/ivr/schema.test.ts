import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { flowJsonSchema, NODE_KIND_NAMES } from '../../src/ivr/schema.js';
import { NODE_KINDS } from '../../src/ivr/nodes/index.js';

describe('ivr flow JSON Schema', () => {
  it('the committed ivr-flows/flow.schema.json is the one generated from the zod schema', () => {
    const committed = JSON.parse(readFileSync('ivr-flows/flow.schema.json', 'utf8')) as unknown;
    assert.deepEqual(committed, flowJsonSchema(), 'regenerate it with: npx switchboard ivr schema');
  });

  it('lists every node kind for editors to complete', () => {
    const text = JSON.stringify(flowJsonSchema());
    for (const kind of NODE_KIND_NAMES) assert.ok(text.includes(`"const":"${kind}"`), kind);
  });

  it('has one node-kind module per kind in the schema', () => {
    assert.deepEqual([...NODE_KINDS.keys()].sort(), [...NODE_KIND_NAMES].sort());
    assert.equal(NODE_KINDS.size, 17);
  });
});
