import { dirname, join } from 'node:path';

/** Static files of the offline GraphQL IDE, served from installed packages (no CDN: hospital networks are air-gapped). */
export const GRAPHIQL_ASSETS: Record<string, { path: string; type: string }> = {
  'react.js': { path: join(dirname(require.resolve('react/package.json')), 'umd/react.production.min.js'), type: 'text/javascript' },
  'react-dom.js': { path: join(dirname(require.resolve('react-dom/package.json')), 'umd/react-dom.production.min.js'), type: 'text/javascript' },
  'graphiql.js': { path: join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.js'), type: 'text/javascript' },
  'graphiql.css': { path: join(dirname(require.resolve('graphiql/package.json')), 'graphiql.min.css'), type: 'text/css' },
};

const EXAMPLE_QUERY = `# How well does each score predict test balanced accuracy, per dataset?
query Fig3 {
  correlations(filter: { studies: ["paper"] }, method: KENDALL_TAU_B, performance: "test_balanced_accuracy") {
    study dataset metric value pValue n
  }
}
`;

export function graphiqlPage(endpoint: string, assetsBase: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8" />
  <title>Transferscope GraphiQL</title>
  <link rel="stylesheet" href="${assetsBase}/graphiql.css" />
  <style>html, body, #graphiql { height: 100%; margin: 0; }</style>
</head>
<body>
  <div id="graphiql">Loading...</div>
  <script src="${assetsBase}/react.js"></script>
  <script src="${assetsBase}/react-dom.js"></script>
  <script src="${assetsBase}/graphiql.js"></script>
  <script>
    const fetcher = GraphiQL.createFetcher({ url: ${JSON.stringify(endpoint)}, headers: { 'apollo-require-preflight': 'true' } });
    ReactDOM.createRoot(document.getElementById('graphiql')).render(
      React.createElement(GraphiQL, { fetcher, defaultQuery: ${JSON.stringify(EXAMPLE_QUERY)} }),
    );
  </script>
</body>
</html>`;
}
