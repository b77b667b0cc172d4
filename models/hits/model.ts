import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import '@tensorflow/tfjs-backend-cpu';
import { mulberry32 } from '../random.ts';
import { FEATURE_NAMES, type FeatureName, featureIndex } from './features.ts';

/**
 * The hit model: standardized features -> dense 16 (relu) -> dense 8 (relu) -> 1 (sigmoid), the
 * probability that a product breaks into its category's top sellers in the next window; served as
 * SERVED_NETWORKS such networks from different seeds, their probabilities averaged (a network's
 * ranking moves with its seed about as much as with most settings: docs/hits.md). Saved as plain
 * JSON (topology and base64 weights in model.json, plus a manifest) so that a Lambda loads it
 * without tfjs-node and without touching the file system through tfjs.
 */

let backend: Promise<string> | undefined;

/** tfjs-node when it is installed (it is not here: its install script downloads libtensorflow), else cpu. */
export function initTf(): Promise<string> {
  backend ??= (async () => {
    try {
      const name = '@tensorflow/tfjs-node';
      await import(name);
    } catch {
      // Not installed: the pure-JS cpu backend is plenty for a 500-weight network.
    }
    // Production mode: no debug checks, and no "install tfjs-node" banner on stderr.
    tf.enableProdMode();
    if (tf.getBackend() !== 'tensorflow') await tf.setBackend('cpu');
    await tf.ready();
    return tf.getBackend();
  })();
  return backend;
}

export interface Standardization {
  mean: number[];
  std: number[];
}

export interface LabelledVector {
  values: readonly number[];
  label: number;
}

export function fitStandardization(rows: readonly { values: readonly number[] }[]): Standardization {
  const d = rows[0]?.values.length ?? FEATURE_NAMES.length;
  const mean = new Array<number>(d).fill(0);
  const sq = new Array<number>(d).fill(0);
  for (const r of rows) for (let j = 0; j < d; j++) mean[j]! += r.values[j]!;
  for (let j = 0; j < d; j++) mean[j] = rows.length === 0 ? 0 : mean[j]! / rows.length;
  for (const r of rows) for (let j = 0; j < d; j++) sq[j]! += (r.values[j]! - mean[j]!) ** 2;
  // A constant feature keeps std 1 rather than dividing by zero.
  const std = sq.map((s) => {
    const v = rows.length > 1 ? Math.sqrt(s / (rows.length - 1)) : 0;
    return v > 1e-9 ? v : 1;
  });
  return { mean, std };
}

export function standardize(values: readonly number[], s: Standardization): number[] {
  return values.map((v, j) => (v - s.mean[j]!) / s.std[j]!);
}

export interface HitManifest {
  version: string;
  createdAt: string;
  featureNames: string[];
  standardization: Standardization;
  /** `networks`: how many are averaged, when more than one. */
  architecture: { hidden: number[]; activation: 'relu'; output: 'sigmoid'; networks?: number };
  training: Record<string, number | string>;
  metrics: Record<string, unknown>;
}

/**
 * Networks averaged in the served model (the retraining and train:hits). Chosen on the tuning weeks
 * of eval:hits (docs/hits.md, 2026-12-08): three were ahead of one on precision@20 and lead time on
 * both tuning windows, with half the seed spread.
 */
export const SERVED_NETWORKS = 3;

export interface HitModel {
  /** The networks whose probabilities are averaged: seeds seed, seed + 1000, ... on the same rows. */
  nets: tfl.LayersModel[];
  featureNames: string[];
  standardization: Standardization;
  hidden: number[];
}

export interface TrainOptions {
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  hidden?: number[];
  /** Seeds the weight initializers and the row shuffle: same rows, same model. */
  seed?: number;
  /** Networks to train and average, network e from seed + 1000 e (default 1). */
  networks?: number;
  /** Weight of a positive row; default: negatives/positives, capped at 20 (breakouts are rare). */
  positiveWeight?: number;
  onEpoch?: (epoch: number, epochs: number, loss: number) => void;
}

function buildNet(inputs: number, hidden: readonly number[], seed: number): tfl.Sequential {
  const net = tfl.sequential();
  hidden.forEach((units, i) => {
    net.add(
      tfl.layers.dense({
        units,
        activation: 'relu',
        kernelInitializer: tfl.initializers.heNormal({ seed: seed + i }),
        ...(i === 0 ? { inputShape: [inputs] } : {}),
      }),
    );
  });
  net.add(
    tfl.layers.dense({
      units: 1,
      activation: 'sigmoid',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed + hidden.length }),
    }),
  );
  return net;
}

export async function trainHitModel(
  rows: readonly LabelledVector[],
  opts: TrainOptions = {},
): Promise<HitModel> {
  await initTf();
  const { epochs = 40, hidden = [16, 8], seed = 1, networks = 1 } = opts;
  if (rows.length === 0) throw new RangeError('no training rows');
  if (!(Number.isInteger(networks) && networks >= 1))
    throw new RangeError('networks is a whole number from 1');
  const standardization = fitStandardization(rows);
  const nets: tfl.LayersModel[] = [];
  for (let e = 0; e < networks; e++) {
    nets.push(
      await trainNet(rows, standardization, {
        ...opts,
        hidden,
        seed: seed + 1000 * e,
        // One bar over every network's epochs.
        onEpoch:
          opts.onEpoch && ((epoch, _, loss) => opts.onEpoch!(e * epochs + epoch, networks * epochs, loss)),
      }),
    );
  }
  return { nets, featureNames: [...FEATURE_NAMES], standardization, hidden: [...hidden] };
}

async function trainNet(
  rows: readonly LabelledVector[],
  standardization: Standardization,
  opts: TrainOptions & { hidden: number[]; seed: number },
): Promise<tfl.LayersModel> {
  const { epochs = 40, batchSize = 256, learningRate = 0.005, hidden, seed } = opts;
  const positives = rows.filter((r) => r.label > 0).length;
  const positiveWeight = opts.positiveWeight ?? defaultPositiveWeight(rows.length, positives);

  // Shuffle once, deterministically; fit's own shuffle uses Math.random.
  const order = rows.map((_, i) => i);
  const rand = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const d = standardization.mean.length;
  const xs = new Float32Array(rows.length * d);
  const ys = new Float32Array(rows.length);
  order.forEach((r, i) => {
    xs.set(standardize(rows[r]!.values, standardization), i * d);
    ys[i] = rows[r]!.label > 0 ? 1 : 0;
  });

  const net = buildNet(d, hidden, seed);
  net.compile({ optimizer: tf.train.adam(learningRate), loss: 'binaryCrossentropy' });
  const x = tf.tensor2d(xs, [rows.length, d]);
  const y = tf.tensor2d(ys, [rows.length, 1]);
  try {
    await net.fit(x, y, {
      epochs,
      batchSize,
      shuffle: false,
      verbose: 0,
      classWeight: { 0: 1, 1: positiveWeight },
      callbacks: {
        onEpochEnd: async (epoch, logs) =>
          opts.onEpoch?.(epoch + 1, epochs, Number(logs?.loss ?? Number.NaN)),
      },
    });
  } finally {
    x.dispose();
    y.dispose();
    // Adam's moments are tensors too, and no longer needed once fitted.
    net.optimizer?.dispose();
  }
  return net;
}

/** Frees the model's networks (tfjs holds their weights outside the JS heap). */
export function disposeHitModel(model: HitModel): void {
  for (const net of model.nets) net.dispose();
}

const standardized = (model: HitModel, featureRows: readonly (readonly number[])[]) => {
  const d = model.standardization.mean.length;
  const xs = new Float32Array(featureRows.length * d);
  featureRows.forEach((v, i) => {
    if (v.length !== d) throw new RangeError(`expected ${d} features, got ${v.length}`);
    xs.set(standardize(v, model.standardization), i * d);
  });
  return { xs, d };
};

/**
 * Scores (0-1) for feature vectors in the model's feature order: the networks' outputs (class
 * weighted, float32), averaged.
 */
export function scoreProducts(model: HitModel, featureRows: readonly (readonly number[])[]): number[] {
  if (featureRows.length === 0) return [];
  const { xs, d } = standardized(model, featureRows);
  const each = model.nets.map((net) =>
    tf.tidy(() => {
      const out = net.predict(tf.tensor2d(xs, [featureRows.length, d])) as tf.Tensor;
      return Array.from(out.dataSync());
    }),
  );
  if (each.length === 1) return each[0]!;
  return each[0]!.map((_, i) => each.reduce((sum, scores) => sum + scores[i]!, 0) / each.length);
}

/** A network's hidden layers and its output layer's weights, to apply that layer in float64. */
const heads = new WeakMap<tfl.LayersModel, { hidden: tfl.LayersModel; w: Float32Array; b: number }>();
function netLogits(net: tfl.LayersModel, xs: Float32Array, n: number, d: number): Float64Array {
  let head = heads.get(net);
  if (head === undefined) {
    const layers = net.layers;
    const last = layers[layers.length - 1]!;
    const hidden = tfl.model({
      inputs: net.inputs,
      outputs: layers[layers.length - 2]!.output as tfl.SymbolicTensor,
    });
    const [kernel, bias] = last.getWeights();
    head = { hidden, w: kernel!.dataSync() as Float32Array, b: (bias!.dataSync() as Float32Array)[0]! };
    heads.set(net, head);
  }
  const h = head.hidden;
  const acts = tf.tidy(() => (h.predict(tf.tensor2d(xs, [n, d])) as tf.Tensor).dataSync());
  const width = head.w.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = head.b;
    for (let j = 0; j < width; j++) z += acts[i * width + j]! * head.w[j]!;
    out[i] = z;
  }
  return out;
}

/**
 * Pre-sigmoid outputs, in float64: the last layer applied by hand to the hidden activations, so
 * that products the network is sure about do not all tie at a float32 sigmoid of 1. For several
 * networks, the log-odds of their averaged probability, log(sum sigmoid(z)) - log(sum sigmoid(-z)),
 * which keeps that precision too and orders as scoreProducts' average does.
 */
export function logits(model: HitModel, featureRows: readonly (readonly number[])[]): number[] {
  if (featureRows.length === 0) return [];
  const { xs, d } = standardized(model, featureRows);
  const each = model.nets.map((net) => netLogits(net, xs, featureRows.length, d));
  if (each.length === 1) return Array.from(each[0]!);
  const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
  return featureRows.map((_, i) => {
    let up = 0;
    let down = 0;
    for (const z of each) {
      up += sigmoid(z[i]!);
      down += sigmoid(-z[i]!);
    }
    return Math.log(up) - Math.log(down);
  });
}

/**
 * Hit probabilities for the live ranking: the logits with the training's sampling taken back out.
 * Weighting positives w times multiplies the odds by w; keeping a share s of the negatives divides
 * them by s (prior correction for case-control sampling: King and Zeng 2001, "Logistic Regression
 * in Rare Events Data"). So a score reads as the chance that the product breaks out, and the order
 * is the model's, free of float32 ties. Both corrections shift every logit alike: the order is the
 * same with or without them.
 */
export function hitProbabilities(
  model: HitModel,
  featureRows: readonly (readonly number[])[],
  positiveWeight: number,
  negativeShare = 1,
): number[] {
  return probabilitiesOf(logits(model, featureRows), positiveWeight, negativeShare);
}

/** hitProbabilities from log-odds already computed (`logits`): one shift, then the sigmoid. */
export function probabilitiesOf(zs: readonly number[], positiveWeight: number, negativeShare = 1): number[] {
  if (!(negativeShare > 0 && negativeShare <= 1))
    throw new RangeError(`negativeShare ${negativeShare} is not in (0, 1]`);
  const shift = Math.log(Math.max(1, positiveWeight)) - Math.log(negativeShare);
  return zs.map((z) => 1 / (1 + Math.exp(-(z - shift))));
}

/** The positive-row weight a manifest's training used (trainHitModel's default rule). */
export function positiveWeightOf(manifest: HitManifest): number {
  const explicit = Number(manifest.training.positiveWeight);
  if (Number.isFinite(explicit) && explicit > 0) return explicit;
  const rows = Number(manifest.training.rows);
  const positives = Number(manifest.training.positives);
  return positives > 0 && rows > positives ? defaultPositiveWeight(rows, positives) : 1;
}

/** A positive row's weight unless told: negatives per positive, capped at 20 (breakouts are rare). */
export function defaultPositiveWeight(rows: number, positives: number): number {
  return positives === 0 ? 1 : Math.min(20, (rows - positives) / positives);
}

/**
 * The share of negative rows a manifest's training kept (`training.negativeShare`). A manifest of
 * train:hits or the retraining from before the field (it has `training.rows`) kept a quarter, as
 * both always did; any other manifest that does not say, 1 (scored as before the correction).
 */
export function negativeShareOf(manifest: HitManifest): number {
  const share = Number(manifest.training.negativeShare);
  if (Number.isFinite(share) && share > 0 && share <= 1) return share;
  return manifest.training.negativeShare === undefined && manifest.training.rows !== undefined
    ? LEGACY_NEGATIVE_SHARE
    : 1;
}

/** The share train:hits and the retraining kept before manifests recorded it (2026-11-23 to 12-08). */
export const LEGACY_NEGATIVE_SHARE = 0.25;

// ------------------------------------------------------------------ artifact

/** A model version named by its creation instant: `hits-20261123-142033`, sortable as text. */
export const hitModelVersion = (createdAt: string): string =>
  `hits-${createdAt.slice(0, 19).replace(/[-:]/g, '').replace('T', '-')}`;

/** model.json: the Keras-style topology and the weights, base64, in one small file. */
export interface ModelJson {
  format: 'merchandiser-hits-layers';
  modelTopology: object;
  weightSpecs: tf.io.WeightsManifestEntry[];
  weightData: string;
}

export interface HitArtifact {
  /** The first network. */
  model: ModelJson;
  /** The other networks averaged with it; absent for one network (every artifact before 2026-12-08). */
  members?: ModelJson[];
  manifest: HitManifest;
}

async function netJson(net: tfl.LayersModel): Promise<ModelJson> {
  let saved: tf.io.ModelArtifacts | undefined;
  await net.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
    }),
  );
  if (
    saved?.modelTopology === undefined ||
    saved.weightSpecs === undefined ||
    saved.weightData === undefined
  ) {
    throw new Error('tfjs returned no topology or weights');
  }
  const data = saved.weightData;
  const buffers = Array.isArray(data) ? data : [data];
  const weightData = Buffer.concat(buffers.map((b) => Buffer.from(b))).toString('base64');
  return {
    format: 'merchandiser-hits-layers',
    modelTopology: saved.modelTopology as object,
    weightSpecs: saved.weightSpecs,
    weightData,
  };
}

export async function toArtifact(
  model: HitModel,
  meta: Pick<HitManifest, 'version' | 'createdAt' | 'metrics' | 'training'>,
): Promise<HitArtifact> {
  const [first, ...members] = await Promise.all(model.nets.map(netJson));
  return {
    model: first!,
    ...(members.length > 0 ? { members } : {}),
    manifest: {
      version: meta.version,
      createdAt: meta.createdAt,
      featureNames: model.featureNames,
      standardization: model.standardization,
      architecture: {
        hidden: model.hidden,
        activation: 'relu',
        output: 'sigmoid',
        ...(model.nets.length > 1 ? { networks: model.nets.length } : {}),
      },
      training: meta.training,
      metrics: meta.metrics,
    },
  };
}

export async function loadHitModel(artifact: HitArtifact): Promise<HitModel> {
  await initTf();
  const { manifest } = artifact;
  const jsons = [artifact.model, ...(artifact.members ?? [])];
  // A copy that lost its members would serve one network where the manifest says several.
  const networks = manifest.architecture.networks ?? 1;
  if (jsons.length !== networks)
    throw new Error(`the artifact holds ${jsons.length} network(s), its manifest says ${networks}`);
  for (const model of jsons) {
    if (model.format !== 'merchandiser-hits-layers')
      throw new Error(`unknown model format ${String(model.format)}`);
  }
  const expected = FEATURE_NAMES.join(',');
  if (manifest.featureNames.join(',') !== expected) {
    throw new Error('the artifact was trained on other features than this code computes');
  }
  const nets = await Promise.all(
    jsons.map((model) => {
      const bytes = Buffer.from(model.weightData, 'base64');
      const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      return tfl.loadLayersModel(
        tf.io.fromMemory({ modelTopology: model.modelTopology, weightSpecs: model.weightSpecs, weightData }),
      );
    }),
  );
  return {
    nets,
    featureNames: manifest.featureNames,
    standardization: manifest.standardization,
    hidden: manifest.architecture.hidden,
  };
}

// ------------------------------------------------------------------ baselines

/** "Trending now": units per day over the last 7 days, the last 24 h breaking ties. */
export function velocityScores(featureRows: readonly (readonly number[])[]): number[] {
  const v = featureIndex.sales_velocity_7d;
  const d = featureIndex.sales_24h;
  return featureRows.map((r) => r[v]! + 0.01 * r[d]!);
}

/**
 * A merchandiser's rule of thumb on the same features (z-scores), weights set by hand before any
 * evaluation: rising searches and views, interest turning into carts and sales, fresh good reviews.
 */
export const HAND_WEIGHTS: Partial<Record<FeatureName, number>> = {
  search_growth_7d: 1,
  search_growth_24h: 0.5,
  searches_7d: 0.5,
  search_clicks_7d: 0.5,
  view_growth_7d: 0.5,
  views_7d: 0.3,
  cart_rate_7d: 0.3,
  conversion_7d: 0.3,
  sales_velocity_7d: 0.5,
  sales_acceleration: 1,
  review_growth_7d: 0.5,
  rating_28d: 0.3,
};

export function weightedScores(
  featureRows: readonly (readonly number[])[],
  standardization: Standardization,
): number[] {
  const weights = FEATURE_NAMES.map((n) => HAND_WEIGHTS[n] ?? 0);
  return featureRows.map((r) => standardize(r, standardization).reduce((s, z, j) => s + z * weights[j]!, 0));
}
