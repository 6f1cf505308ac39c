import { createDataSource } from '@transferscope/db';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { buildApiSchema, createServices } from './server/schema';

/**
 * The API's schema as SDL, sorted so the committed `schema.graphql` diffs cleanly. Building the schema needs no
 * database connection: the data source is created, never initialised.
 */
export async function printApiSchema(): Promise<string> {
  const schema = await buildApiSchema(createServices(createDataSource('postgres://unused@127.0.0.1:1/unused')));
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}
