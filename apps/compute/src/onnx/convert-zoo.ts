import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { findZooModel, type ZooManifest, type ZooModel } from '../models/zoo-manifest';
import { OnnxError } from './onnx-error';
import { convertZooModel, type OnnxConversion, type OnnxZooOptions } from './onnx-zoo';

/** One row of {@link convertZoo}: a model converted (or found cached), or failed with the reason. */
export type ZooConversionRow = { id: string; status: 'converted' | 'cached'; conversion: OnnxConversion } | { id: string; status: 'failed'; reason: string };

/**
 * The zoo's own verification images (`verification.images` of zoo.json, paths relative to it): what a
 * conversion is checked on when the caller names no images.
 */
export async function zooVerificationImages(zoo: ZooManifest): Promise<string[]> {
  const raw = JSON.parse(await readFile(zoo.manifestPath, 'utf8')) as { verification?: { images?: Record<string, string> } };
  return Object.values(raw.verification?.images ?? {}).map((p) => resolve(dirname(zoo.manifestPath), p));
}

/**
 * Converts `ids` (or every tfjs model for `all`) of a zoo to ONNX, each verified and cached as
 * {@link convertZooModel} does. A model that fails conversion or verification is `failed` with the
 * reason (the others still convert). Unknown ids throw.
 */
export async function convertZoo(zoo: ZooManifest, ids: readonly string[] | 'all', options: OnnxZooOptions): Promise<ZooConversionRow[]> {
  const all = ids === 'all';
  // `all` means every model that has a tfjs form; ONNX entries are already ONNX.
  const models: ZooModel[] = all ? zoo.models.filter((m) => m.format !== 'onnx') : ids.map((id) => findZooModel(zoo, id));
  const rows: ZooConversionRow[] = [];
  for (const entry of models) {
    try {
      const conversion = await convertZooModel(entry, options);
      rows.push({ id: entry.id, status: conversion.cached ? 'cached' : 'converted', conversion });
    } catch (e) {
      if (!(e instanceof OnnxError)) throw e;
      rows.push({ id: entry.id, status: 'failed', reason: e.message });
    }
  }
  return rows;
}
