import { registerEnumType } from 'type-graphql';

/** How agreement between a score and a performance measure is measured. */
export enum CorrelationMethod {
  /** Kendall's tau-b with scipy's p-value (the study's Fig. 3). */
  KENDALL_TAU_B = 'KENDALL_TAU_B',
}

registerEnumType(CorrelationMethod, {
  name: 'CorrelationMethod',
  description: 'Rank correlation between a transferability score and transfer performance, over the models of one (study, dataset).',
});
