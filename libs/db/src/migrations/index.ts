import { InitialSchema1764093600000 } from './1764093600000-initial-schema';
import { ApiAccess1764200000000 } from './1764200000000-api-access';
import { CorrelationVectors1764320000000 } from './1764320000000-correlation-vectors';
import { CorrelationVectorsIndex1764310000000 } from './1764310000000-correlation-vectors-index';
import { DatasetSource1764300000000 } from './1764300000000-dataset-source';

/** Every migration, oldest first. Add new ones at the end; never edit one that has shipped. */
export const MIGRATIONS = [InitialSchema1764093600000, ApiAccess1764200000000, DatasetSource1764300000000, CorrelationVectorsIndex1764310000000, CorrelationVectors1764320000000];
