/**
 * Example: Kendall's tau between every score and test balanced accuracy, per dataset, with 1,000-resample bootstrap
 * intervals, for one study, through the generated typed client.
 *
 *   TRANSFERSCOPE_URL=http://127.0.0.1:4000 TRANSFERSCOPE_TOKEN=tsk_... node clients/typescript/dist/examples/correlations.js paper
 *
 * Prints one tab-separated line per (dataset, metric): dataset, metric, tau, the interval's ends, number of models.
 */
import { CorrelationsDocument, MeDocument, TransferscopeApiError, TransferscopeClient } from '../index';

async function main(): Promise<void> {
  const study = process.argv[2] ?? 'paper';
  const client = new TransferscopeClient({ url: process.env['TRANSFERSCOPE_URL'] ?? 'http://127.0.0.1:4000', token: process.env['TRANSFERSCOPE_TOKEN'] });
  const { me } = await client.request(MeDocument);
  console.error(`as ${me.name} (${me.role})`);
  // Variables and the answer are typed from the schema: a misspelt field or enum value does not compile.
  const { correlations } = await client.request(CorrelationsDocument, { filter: { studies: [study] }, method: 'KENDALL_TAU_B', bootstrap: { resamples: 1000, seed: 1 } });
  const rows = correlations.filter((row) => !row.baseline);
  if (rows.length === 0) throw new Error(`study ${study} has no correlations (is it imported?)`);
  const fixed = (value: number | null | undefined) => (value == null ? 'NaN' : value.toFixed(4));
  for (const row of rows) console.log([row.dataset, row.metric, fixed(row.value), fixed(row.ciLow), fixed(row.ciHigh), row.n].join('\t'));
}

main().catch((error: unknown) => {
  // A refused request says why: its code and message come from the server.
  console.error(error instanceof TransferscopeApiError ? `${error.code}: ${error.message}` : error);
  process.exitCode = 1;
});
