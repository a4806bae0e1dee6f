/* Native harness for the standalone inference module (build/xnorkit-infer.wasm)
 * after wasm2c: loads a packed model, runs MNIST IDX images through the
 * module's C ABI and prints one line per image: the predicted class, then
 * the logits as float32 bit patterns in hex (so that a test can compare
 * them exactly). The pixels are normalised as xnorkit's loaders do:
 * x = byte / 127.5 - 1, computed in double and rounded to float.
 *
 *   infer-native model.xnk t10k-images-idx3-ubyte COUNT
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include "infer.h"

static uint8_t* read_file(const char* path, long* len) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  *len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t* buf = malloc(*len > 0 ? *len : 1);
  if (buf && fread(buf, 1, *len, f) != (size_t)*len) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  return buf;
}

static uint32_t be32(const uint8_t* p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s model.xnk images-idx3-ubyte count\n", argv[0]);
    return 2;
  }
  long mlen = 0, ilen = 0;
  uint8_t* model = read_file(argv[1], &mlen);
  uint8_t* idx = read_file(argv[2], &ilen);
  if (!model || !idx) {
    fprintf(stderr, "cannot read %s\n", model ? argv[2] : argv[1]);
    return 2;
  }
  if (ilen < 16 || be32(idx) != 0x00000803) {
    fprintf(stderr, "%s is not an IDX file of unsigned bytes [n, rows, cols]\n", argv[2]);
    return 2;
  }
  long count = atol(argv[3]);
  const long available = be32(idx + 4), pixels = (long)be32(idx + 8) * be32(idx + 12);
  if (count > available) count = available;

  wasm_rt_init();
  Z_infer_init_module();
  Z_infer_instance_t inst;
  Z_infer_instantiate(&inst);
  uint32_t ptr = Z_inferZ_alloc(&inst, (uint32_t)mlen);
  if (!ptr) {
    fprintf(stderr, "alloc failed\n");
    return 1;
  }
  memcpy(Z_inferZ_memory(&inst)->data + ptr, model, mlen);
  int32_t st = (int32_t)Z_inferZ_load_model(&inst, ptr, (uint32_t)mlen);
  if (st != 0) {
    fprintf(stderr, "load_model failed: status %d (layer record %d)\n", st, (int32_t)Z_inferZ_error_record(&inst));
    return 1;
  }
  const long per = (long)Z_inferZ_input_height(&inst) * Z_inferZ_input_width(&inst) * Z_inferZ_input_channels(&inst);
  if (per != pixels) {
    fprintf(stderr, "the model wants %ld values per image, the IDX images have %ld\n", per, pixels);
    return 1;
  }
  const long batch = Z_inferZ_max_batch(&inst), K = Z_inferZ_num_outputs(&inst);
  for (long i = 0; i < count; i += batch) {
    const long n = count - i < batch ? count - i : batch;
    /* memory may move when it grows: take the base after every call */
    uint8_t* mem = Z_inferZ_memory(&inst)->data;
    for (long j = 0; j < n * per; j++) {
      float x = (float)((double)idx[16 + i * per + j] / 127.5 - 1.0);
      memcpy(mem + Z_inferZ_input_ptr(&inst) + 4 * j, &x, 4);
    }
    st = (int32_t)Z_inferZ_predict(&inst, (uint32_t)n);
    if (st != 0) {
      fprintf(stderr, "predict failed: status %d\n", st);
      return 1;
    }
    mem = Z_inferZ_memory(&inst)->data;
    for (long j = 0; j < n; j++) {
      int32_t cls;
      memcpy(&cls, mem + Z_inferZ_classes_ptr(&inst) + 4 * j, 4);
      printf("%d", cls);
      for (long k = 0; k < K; k++) {
        uint32_t bits;
        memcpy(&bits, mem + Z_inferZ_output_ptr(&inst) + 4 * (j * K + k), 4);
        printf(" %08x", bits);
      }
      printf("\n");
    }
  }
  Z_infer_free(&inst);
  wasm_rt_free();
  free(model);
  free(idx);
  return 0;
}
