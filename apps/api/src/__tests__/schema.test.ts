import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { buildSchema, isNonNullType, type GraphQLInputObjectType, type GraphQLObjectType } from 'graphql';
import { describe, expect, it } from 'vitest';
import { printApiSchema } from '../schema-sdl';

describe('schema.graphql', () => {
  it('is what the resolvers produce (run `npx nx run api:schema:emit` after changing them)', async () => {
    const committed = readFileSync(resolve(__dirname, '../../schema.graphql'), 'utf8');
    expect(await printApiSchema()).toBe(committed);
  });

  it('keeps the foundation contract of `correlations`: its arguments and fields, and every added argument optional', async () => {
    const schema = buildSchema(await printApiSchema());
    const field = schema.getQueryType()!.getFields()['correlations']!;
    expect(String(field.type)).toBe('[Correlation!]!');
    const args = Object.fromEntries(field.args.map((arg) => [arg.name, arg]));
    expect(String(args['filter']!.type)).toBe('CorrelationFilter');
    expect([String(args['method']!.type), args['method']!.defaultValue]).toEqual(['CorrelationMethod!', 'KENDALL_TAU_B']);
    expect([String(args['performance']!.type), args['performance']!.defaultValue]).toEqual(['String!', 'test_balanced_accuracy']);
    // Queries written against the foundation must stay valid: nothing new may be required.
    for (const arg of field.args) expect(isNonNullType(arg.type) && arg.defaultValue === undefined, arg.name).toBe(false);
    const filter = schema.getType('CorrelationFilter') as GraphQLInputObjectType;
    expect(Object.fromEntries(['studies', 'datasets', 'metrics'].map((name) => [name, String(filter.getFields()[name]!.type)]))).toEqual({ studies: '[String!]', datasets: '[String!]', metrics: '[String!]' });
    const row = (schema.getType('Correlation') as GraphQLObjectType).getFields();
    const types = Object.fromEntries(['study', 'dataset', 'metric', 'method', 'value', 'pValue', 'n'].map((name) => [name, String(row[name]!.type)]));
    expect(types).toEqual({ study: 'String!', dataset: 'String!', metric: 'String!', method: 'CorrelationMethod!', value: 'Float', pValue: 'Float', n: 'Int!' });
  });
});
