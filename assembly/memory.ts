// First byte the JS allocator may hand out: everything below belongs to the
// module's static data.
export function heapBase(): usize {
  return (__heap_base + 63) & ~63;
}
