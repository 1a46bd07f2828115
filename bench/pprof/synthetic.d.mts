export function syntheticProfile(options?: {samples?: number; functions?: number; minDepth?: number; maxDepth?: number; seed?: number}): Buffer
