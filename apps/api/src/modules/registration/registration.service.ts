import { Dataset, SourceModel } from '@transferscope/db';
import { type DataSource, type EntityManager } from 'typeorm';
import { DatasetRoleFilter } from '../correlation/correlation-options.enum';
import { type RegisterDatasetInput } from './dtos/register-dataset.input';
import { type RegisterModelInput } from './dtos/register-model.input';
import { RegistrationError } from './registration.error';

/** The rule results files and study definitions follow too: names become ids in URLs, files and queries. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.+-]{0,127}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const MAX_METADATA_BYTES = 64 * 1024;
const MAX_CLASSES = 100_000;

interface StoredDataset {
  id: number;
  role: string;
  num_classes: number | null;
  class_names: string[] | null;
}

/**
 * Definitions of datasets and source models, written by the `writer` role. Each call validates everything before it
 * writes and writes in one transaction, so a refused definition changes nothing. Registering again updates: the
 * fields given replace the stored ones, the fields left out keep theirs (a model known only by name from imported
 * results can gain its ImageNet top-1 without losing anything).
 */
export class RegistrationService {
  constructor(private readonly dataSource: DataSource) {}

  async registerDataset(input: RegisterDatasetInput): Promise<Dataset> {
    checkName('dataset name', input.name);
    checkLength('task', input.task, 500);
    checkLength('source', input.source, 2000);
    if (input.manifestHash != null && !SHA256.test(input.manifestHash)) {
      throw new RegistrationError('INVALID_FIELD', `manifestHash must be a sha256 in 64 lowercase hex digits, not "${input.manifestHash.slice(0, 80)}"`);
    }
    const classNames = input.classNames == null ? null : checkClassNames(input.classNames);
    if (input.numClasses != null && input.numClasses < 2) throw new RegistrationError('INVALID_CLASSES', `numClasses must be at least 2, not ${input.numClasses}`);
    if (classNames && input.numClasses != null && classNames.length !== input.numClasses) {
      throw new RegistrationError('INVALID_CLASSES', `numClasses is ${input.numClasses} but classNames lists ${classNames.length} classes`);
    }
    const partner = input.idDataset ?? null;
    if (input.role === DatasetRoleFilter.OOD && partner === null) throw new RegistrationError('INVALID_PARTNER', `OOD dataset ${input.name} needs idDataset: the ID dataset whose fine-tuned models it evaluates`);
    if (input.role === DatasetRoleFilter.ID && partner !== null) throw new RegistrationError('INVALID_PARTNER', `ID dataset ${input.name} cannot have an idDataset (only OOD datasets have an ID partner)`);
    if (partner === input.name) throw new RegistrationError('INVALID_PARTNER', `dataset ${input.name} cannot be its own ID partner`);

    return this.dataSource.transaction(async (manager) => {
      // Locks the row (when it exists) so the checks below hold until commit.
      const [stored] = (await manager.query('SELECT id, role, num_classes, class_names FROM dataset WHERE name = $1 FOR UPDATE', [input.name])) as StoredDataset[];
      const partnerId = partner === null ? null : await this.partnerId(manager, partner);
      if (stored) await this.checkAgainstStored(manager, input, stored, classNames);
      const numClasses = input.numClasses ?? classNames?.length ?? null;
      await manager.query(
        `INSERT INTO dataset (name, role, id_dataset_id, task, source, class_names, num_classes, manifest_hash)
         VALUES ($1, $2, $3, coalesce($4, ''), coalesce($5, ''), $6::jsonb, $7, $8)
         ON CONFLICT (name) DO UPDATE SET role = EXCLUDED.role, id_dataset_id = EXCLUDED.id_dataset_id,
           task = coalesce($4, dataset.task), source = coalesce($5, dataset.source), class_names = coalesce($6::jsonb, dataset.class_names),
           num_classes = coalesce($7, dataset.num_classes), manifest_hash = coalesce($8, dataset.manifest_hash)`,
        [input.name, input.role, partnerId, input.task ?? null, input.source ?? null, classNames === null ? null : JSON.stringify(classNames), numClasses, input.manifestHash ?? null],
      );
      return manager.getRepository(Dataset).findOneByOrFail({ name: input.name });
    });
  }

  async registerModel(input: RegisterModelInput): Promise<SourceModel> {
    checkName('model id', input.id);
    checkLength('architecture', input.architecture, 200);
    checkLength('sourceDataset', input.sourceDataset, 200);
    const count = input.parameterCount;
    if (count != null && !(Number.isSafeInteger(count) && count >= 1)) {
      throw new RegistrationError('INVALID_MODEL_FIELD', `parameterCount must be a whole number >= 1, not ${count}`);
    }
    const top1 = input.imagenetTop1;
    if (top1 != null && !(top1 >= 0 && top1 <= 1)) {
      const hint = top1 > 1 && top1 <= 100 ? ` (it looks like a percentage: give ${Number((top1 / 100).toPrecision(12))})` : '';
      throw new RegistrationError('INVALID_MODEL_FIELD', `imagenetTop1 must be a fraction in [0, 1], not ${top1}${hint}`);
    }
    if (input.weightsHash != null && !SHA256.test(input.weightsHash)) {
      throw new RegistrationError('INVALID_MODEL_FIELD', `weightsHash must be a sha256 in 64 lowercase hex digits, not "${input.weightsHash.slice(0, 80)}"`);
    }
    const metadata = input.metadata == null ? null : JSON.stringify(input.metadata);
    if (metadata !== null && Buffer.byteLength(metadata) > MAX_METADATA_BYTES) {
      throw new RegistrationError('INVALID_MODEL_FIELD', `metadata is ${Buffer.byteLength(metadata)} bytes as JSON; at most ${MAX_METADATA_BYTES} are kept`);
    }
    // One statement: atomic, and a concurrent registration of the same id cannot fail on the key.
    await this.dataSource.query(
      `INSERT INTO source_model (id, architecture, source_dataset, parameter_count, imagenet_top1, weights_hash, metadata)
       VALUES ($1, coalesce($2, ''), coalesce($3, ''), $4, $5, $6, coalesce($7::jsonb, '{}'::jsonb))
       ON CONFLICT (id) DO UPDATE SET architecture = coalesce($2, source_model.architecture), source_dataset = coalesce($3, source_model.source_dataset),
         parameter_count = coalesce($4, source_model.parameter_count), imagenet_top1 = coalesce($5, source_model.imagenet_top1),
         weights_hash = coalesce($6, source_model.weights_hash), metadata = coalesce($7::jsonb, source_model.metadata)`,
      [input.id, input.architecture ?? null, input.sourceDataset ?? null, count ?? null, top1 ?? null, input.weightsHash ?? null, metadata],
    );
    return this.dataSource.getRepository(SourceModel).findOneByOrFail({ id: input.id });
  }

  private async partnerId(manager: EntityManager, name: string): Promise<number> {
    const [row] = (await manager.query('SELECT id, role FROM dataset WHERE name = $1 FOR SHARE', [name])) as { id: number; role: string }[];
    if (!row) throw new RegistrationError('INVALID_PARTNER', `idDataset: there is no dataset named "${name.slice(0, 128)}"; register the ID dataset first`);
    if (row.role !== 'ID') throw new RegistrationError('INVALID_PARTNER', `idDataset: ${name} is an OOD dataset; an OOD dataset's partner must be an ID dataset`);
    return row.id;
  }

  /** An update must not contradict what is stored about the dataset: its partners and its results' class count. */
  private async checkAgainstStored(manager: EntityManager, input: RegisterDatasetInput, stored: StoredDataset, classNames: string[] | null): Promise<void> {
    if (input.role === DatasetRoleFilter.OOD && stored.role === 'ID') {
      const partners = (await manager.query('SELECT name FROM dataset WHERE id_dataset_id = $1 ORDER BY name', [stored.id])) as { name: string }[];
      if (partners.length > 0) {
        throw new RegistrationError('CONFLICTS_WITH_STORED', `dataset ${input.name} is the ID partner of ${partners.map((p) => p.name).join(', ')}; it cannot become OOD`);
      }
    }
    const numClasses = input.numClasses ?? classNames?.length ?? null;
    if (numClasses === null) return;
    if (classNames === null && stored.class_names !== null && stored.class_names.length !== numClasses) {
      throw new RegistrationError('INVALID_CLASSES', `numClasses is ${numClasses} but the stored classNames list ${stored.class_names.length} classes; give classNames too`);
    }
    if (stored.num_classes !== null && stored.num_classes !== numClasses) {
      const [used] = (await manager.query(
        `SELECT EXISTS (SELECT 1 FROM score WHERE dataset_id = $1) OR EXISTS (SELECT 1 FROM evaluation WHERE dataset_id = $1) OR EXISTS (SELECT 1 FROM trial WHERE dataset_id = $1) AS used`,
        [stored.id],
      )) as { used: boolean }[];
      if (used!.used) {
        throw new RegistrationError('CONFLICTS_WITH_STORED', `dataset ${input.name} has results recorded with ${stored.num_classes} classes; registering ${numClasses} would contradict them`);
      }
    }
  }
}

function checkName(what: string, name: string): void {
  if (!NAME.test(name)) throw new RegistrationError('INVALID_NAME', `${what} "${name.slice(0, 40)}" is not valid (letters, digits and _ . + - only, at most 128 characters)`);
}

function checkLength(field: string, value: string | null | undefined, max: number): void {
  if (value != null && value.length > max) throw new RegistrationError('INVALID_FIELD', `${field} is ${value.length} characters long; at most ${max} are allowed`);
}

function checkClassNames(names: string[]): string[] {
  if (names.length < 2 || names.length > MAX_CLASSES) throw new RegistrationError('INVALID_CLASSES', `classNames must list between 2 and ${MAX_CLASSES} classes, not ${names.length}`);
  const seen = new Map<string, number>();
  names.forEach((name, i) => {
    if (name.trim() === '' || name.length > 200) throw new RegistrationError('INVALID_CLASSES', `classNames[${i}] must be 1 to 200 characters and not blank`);
    const first = seen.get(name);
    if (first !== undefined) throw new RegistrationError('INVALID_CLASSES', `classNames[${i}] "${name}" repeats classNames[${first}]; class names must be distinct`);
    seen.set(name, i);
  });
  return names;
}
