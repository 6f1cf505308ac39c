import nx from '@nx/eslint-plugin';
import tseslint from 'typescript-eslint';

export default [
  { ignores: ['**/dist/**', '**/node_modules/**', '**/.transferscope/**', '**/vitest.config.ts', 'vitest.shared.ts', '**/*.js', '**/*.mjs', '**/*.cjs', 'clients/typescript/src/generated/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@nx/enforce-module-boundaries': [
        'error',
        {
          enforceBuildableLibDependency: false,
          // The CLI (tools) is the composition root: it starts the API server and the compute workers.
          // Tag constraints below still keep every lib from depending on an app.
          allow: ['@transferscope/api', '@transferscope/compute'],
          depConstraints: [
            // stats is the foundation of the numerics: it depends on nothing of ours.
            { sourceTag: 'scope:stats', notDependOnLibsWithTags: ['*'] },
            { sourceTag: 'type:util', onlyDependOnLibsWithTags: ['type:util'] },
            { sourceTag: 'type:data', onlyDependOnLibsWithTags: ['type:util', 'type:data'] },
            { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:util', 'type:data', 'type:app'] },
            { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:util', 'type:data', 'type:app', 'type:client'] },
            // The generated API client (clients/typescript) knows the API only through schema.graphql.
            { sourceTag: 'type:client', notDependOnLibsWithTags: ['*'] },
            // Metric plugins (plugins/*, made by `nx g @transferscope/tools:metric`) see only the plugin contract.
            { sourceTag: 'type:plugin', onlyDependOnLibsWithTags: ['scope:metrics'] },
          ],
        },
      ],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          // SQL is parameterised: a template literal passed to query() would splice values into SQL.
          selector: "CallExpression[callee.property.name='query'] > TemplateLiteral.arguments:first-child[expressions.length>0]",
          message: 'Build SQL with parameters ($1, $2, ...), never by interpolating values into the string.',
        },
      ],
    },
  },
];
