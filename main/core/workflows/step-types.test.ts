import { describe, expect, it } from 'vitest';
import { readStepTypes, splitStepTypeId } from './step-types';

const good = { typeId: 'p4_sync', displayName: 'Sync workspace', description: 'p4 sync', icon: 'RefreshCw', category: 'Source Control', configSchema: { type: 'object' } };

describe('step types a plugin host reports', () => {
  it('keeps well-formed ones with their texts made safe to show', () => {
    const { types, problems } = readStepTypes([{ ...good, displayName: 'Sync\u202Egpj.exe', description: 'a\nb' }]);
    expect(problems).toEqual([]);
    expect(types).toEqual([{ typeId: 'p4_sync', displayName: 'Sync<U+202E>gpj.exe', description: 'a b', icon: 'RefreshCw', category: 'Source Control', configSchema: { type: 'object', properties: {}, required: [] } }]);
  });

  it('drops malformed, repeated and oversized ones, saying why', () => {
    const { types, problems } = readStepTypes([
      good,
      { ...good, typeId: 'p4 sync; rm' },
      { ...good, typeId: 42 },
      'not an object',
      good,
      { ...good, typeId: 'big', configSchema: { type: 'object', description: 'x'.repeat(70_000) } },
      { ...good, typeId: 'array_schema', configSchema: { type: 'array' } },
    ]);
    expect(types.map((t) => t.typeId)).toEqual(['p4_sync']);
    expect(problems).toEqual([
      'a workflow step type with a malformed id "p4 sync; rm" was ignored',
      'a workflow step type with a malformed id 42 was ignored',
      'a workflow step type without an id was ignored',
      'workflow step type p4_sync is registered twice; the first was kept',
      'workflow step type big was ignored: its config schema is larger than 65536 bytes',
      'workflow step type array_schema was ignored: its config schema has type "array", not "object"',
    ]);
  });

  it('ignores a schema that is not JSON, such as one with a cycle a hostile frame can carry', () => {
    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.self = cyclic;
    expect(readStepTypes([{ typeId: 'loop', configSchema: cyclic }]).problems).toEqual(['workflow step type loop was ignored: its config schema is not JSON']);
  });

  it('names an untitled type by its id and an uncategorised one Other', () => {
    expect(readStepTypes([{ typeId: 'x' }]).types[0]).toMatchObject({ displayName: 'x', category: 'Other', configSchema: { type: 'object' } });
    expect(readStepTypes('nope').problems).toEqual(['its workflow step types are not a list']);
  });

  it('splits {plugin_id}:{type_id}', () => {
    expect(splitStepTypeId('dev.haloforge.p4:p4_sync')).toEqual({ pluginId: 'dev.haloforge.p4', typeId: 'p4_sync' });
    expect(splitStepTypeId('p4_sync')).toBeUndefined();
    expect(splitStepTypeId('dev.haloforge.p4:')).toBeUndefined();
  });
});
