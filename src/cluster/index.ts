// Distributed studies: BullMQ job queue (coordinator, workers) and shards.
export { runStudyOnQueue, type CoordinatorOptions, type CoordinatorOutcome } from './coordinator.js';
export { startWorker, type WorkerOptions, type RunningWorker } from './worker.js';
export { runShard, parseShard, type ShardOptions } from './shard.js';
export { buildResults, readShard, unionShards, type ShardFile, type MergedStudy } from './merge.js';
export { splitStudy, allJobs, trainingRecipe, type StudyJobs } from './split.js';
export { JobRunner } from './execute.js';
export { studyId, canonicalJson, type RobustnessStudy, type JobSpec, type JobResult, type ModelStore } from './spec.js';
export { QUEUE_NAME, keys, queueUrl } from './keys.js';
export { redactUrl } from './connect.js';
