/** One kind of request the load sends: a GraphQL body (fresh per call, so writes and cursors can vary). */
export interface LoadRequest {
  kind: 'correlation' | 'browse' | 'import';
  token: 'reader' | 'writer';
  body(iteration: number): string;
}

const gql = (query: string, variables: Record<string, unknown> = {}): string => JSON.stringify({ query, variables });

/** Correlation queries as the dashboard and scripts send them: several methods, filters, groupings and a small bootstrap. */
export const CORRELATION_REQUESTS: LoadRequest[] = [
  { kind: 'correlation', token: 'reader', body: () => gql('{ correlations(filter: { studies: ["paper"] }, method: KENDALL_TAU_B) { dataset metric value pValue n } }') },
  { kind: 'correlation', token: 'reader', body: () => gql('{ correlations(filter: { studies: ["paper"] }, method: WEIGHTED_TAU) { dataset metric value n } }') },
  { kind: 'correlation', token: 'reader', body: () => gql('{ correlations(filter: { studies: ["paper"] }, method: SPEARMAN, groupBy: STUDY) { metric value n } }') },
  {
    kind: 'correlation',
    token: 'reader',
    body: (i) => gql('query ($d: [String!]) { correlations(filter: { datasets: $d }, method: PEARSON) { study dataset metric value } }', { d: [['breakhis', 'skin_splits', 'brain_tumor_kaggle'][i % 3]] }),
  },
  { kind: 'correlation', token: 'reader', body: (i) => gql('query ($s: Int) { correlations(filter: { studies: ["paper"], datasets: ["breakhis"] }, bootstrap: { resamples: 200, seed: $s }) { metric value ciLow ciHigh } }', { s: i % 5 }) },
  { kind: 'correlation', token: 'reader', body: () => gql('{ correlationPairs(filter: { studies: ["paper"], metrics: ["logme"] }) { dataset model score performance } }') },
];

/** Browsing: lists and paginated results, as the dashboard's tables load them. */
export const BROWSE_REQUESTS: LoadRequest[] = [
  { kind: 'browse', token: 'reader', body: () => gql('{ studies { name datasets { name } metrics { id } } }') },
  { kind: 'browse', token: 'reader', body: () => gql('{ datasets { name role numClasses } models { id } metrics { id direction } performanceMeasures }') },
  { kind: 'browse', token: 'reader', body: (i) => gql('query ($o: ResultOrder!) { scores(first: 50, order: $o) { nodes { study dataset model metric value } pageInfo { endCursor hasNextPage } } }', { o: ['ID_ASC', 'VALUE_DESC'][i % 2] }) },
  { kind: 'browse', token: 'reader', body: () => gql('{ evaluations(first: 100, filter: { studies: ["paper"] }) { nodes { dataset model measure value } pageInfo { hasNextPage } } }') },
];

/**
 * The writer: imports a long-format file into its own study, alternating two versions of the values, so every
 * import really updates rows (and invalidates the correlation cache the readers use).
 */
export const IMPORT_REQUEST: LoadRequest = {
  kind: 'import',
  token: 'writer',
  body(i) {
    const rows = ['dataset,model,test_score,classes,transf_metric,transf_score'];
    for (let m = 0; m < 20; m++) {
      for (const metric of ['logme', 'leep', 'nce']) rows.push(`load_ds,model_${m},${(0.5 + m / 100).toFixed(3)},3,${metric},${(m * 0.1 + (i % 2) * 0.01).toFixed(4)}`);
    }
    return gql('mutation ($t: String!) { importResults(input: { study: "load-writer", format: LONG, file: { name: "load.csv", text: $t } }) { scores { inserted updated unchanged } } }', {
      t: rows.join('\n') + '\n',
    });
  },
};
