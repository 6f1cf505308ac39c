import DataLoader from 'dataloader';
import { type TrialEpochType } from '../modules/browse/browse.type';
import { type BrowseService } from '../modules/browse/browse.service';

/** Per-request batching: one SQL statement for the epochs of every trial on a page, however many there are. */
export interface RequestLoaders {
  epochsOfTrial: DataLoader<number, TrialEpochType[]>;
}

export function createLoaders(browse: BrowseService): RequestLoaders {
  return { epochsOfTrial: new DataLoader((ids) => browse.epochsOfTrials(ids), { maxBatchSize: 1000 }) };
}
