// Quantizers with Larq's names and exact semantics, the weight_clip
// constraint and the flip-ratio metric.
export { type Quantizer, type QuantizerDescription, type ForwardFn, type BackwardFn, isQuantizer, lsign, tsign, roundHalfEven, quantizeOp, viaViews } from './quantizer.js';
export { SteSign, steSign, type SteSignOptions } from './steSign.js';
export { ApproxSign, approxSign } from './approxSign.js';
export { SwishSign, swishSign, type SwishSignOptions } from './swishSign.js';
export { MagnitudeAwareSign, magnitudeAwareSign, type MagnitudeAwareSignOptions } from './magnitudeAwareSign.js';
export { SteTern, steTern, type SteTernOptions } from './steTern.js';
export { SteHeaviside, steHeaviside, type SteHeavisideOptions } from './steHeaviside.js';
export { DoReFa, dorefa, type DoReFaOptions, type DoReFaMode } from './dorefa.js';
export { NoOp, noOp } from './noOp.js';
export { CustomQuantizer, customQuantizer, type CustomQuantizerSpec } from './custom.js';
export { getQuantizer, registerQuantizer, quantizerNames, type QuantizerLike, type QuantizerName, type QuantizerRegistry } from './registry.js';
export { XnorWeightScale } from './xnorWeightScale.js';
export { MagnitudeAwareSignUnclipped } from './magnitudeAwareSignUnclipped.js';
export { weightClip, getConstraint, type WeightClip, type ConstraintLike } from './constraints.js';
export { FlipRatio } from './flipRatio.js';
export { describeQuantizer, isSignQuantizer, quantizerStep, hasLevels } from './describe.js';
