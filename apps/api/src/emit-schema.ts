import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { printApiSchema } from './schema-sdl';

/** `nx run api:schema:emit`: rewrites apps/api/schema.graphql from the resolvers. */
void printApiSchema().then((sdl) => {
  const target = resolve(__dirname, '../schema.graphql');
  writeFileSync(target, sdl);
  console.log(`wrote ${target}`);
});
