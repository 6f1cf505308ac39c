import { type io } from '@tensorflow/tfjs-core';
import { ModelError } from './model-error';
import { type ModelFileOptions, readVerifiedFile } from './model-files';
import { type ZooModel } from './zoo-manifest';

/**
 * A tfjs `IOHandler` that loads a zoo model from its files (filesystem or download cache), checking
 * every byte against the manifest's sha256 as it reads. It needs no `file://` support, so it works
 * with any backend and without tfjs-node. Weight files are concatenated in `weightsManifest` order;
 * a weight file that model.json names but the manifest does not list (so has no hash) is refused.
 */
export function verifiedModelHandler(model: ZooModel, options: ModelFileOptions = {}): io.IOHandler {
  return {
    load: async (): Promise<io.ModelArtifacts> => {
      const byName = new Map(model.files.map((f) => [f.name, f]));
      const topologyFile = byName.get(model.modelFile);
      if (!topologyFile) throw new ModelError('FILE_MISSING', `${model.id}: ${model.modelFile} is not listed in the manifest`);
      const modelJson = JSON.parse((await readVerifiedFile(topologyFile, options)).toString('utf8')) as io.ModelJSON;
      const groups: io.WeightsManifestConfig = modelJson.weightsManifest ?? [];
      const shards: Buffer[] = [];
      for (const p of groups.flatMap((g) => g.paths)) {
        const f = byName.get(p);
        if (!f || f.role !== 'weights') {
          throw new ModelError('UNVERIFIED_WEIGHT_FILE', `${model.id}: model.json names weight file ${p}, which the manifest does not list with a sha256`);
        }
        shards.push(await readVerifiedFile(f, options));
      }
      const weights = Buffer.concat(shards);
      const artifacts: io.ModelArtifacts = {
        modelTopology: modelJson.modelTopology,
        weightSpecs: groups.flatMap((g) => g.weights),
        // Buffer.concat may hand back a view into Node's pool; tfjs wants an ArrayBuffer of exactly these bytes.
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
      };
      if (modelJson.signature) artifacts.signature = modelJson.signature;
      if (modelJson.userDefinedMetadata) artifacts.userDefinedMetadata = modelJson.userDefinedMetadata;
      if (modelJson.modelInitializer) artifacts.modelInitializer = modelJson.modelInitializer;
      return artifacts;
    },
  };
}
