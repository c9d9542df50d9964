/* embed-c: nibble from a C program, through the C99 API only.
 *
 *   embed_c MODEL.nbl [INPUT.txt [EXPECTED.txt [TOLERANCE]]]
 *
 * Reads MODEL.nbl into a 64-byte aligned buffer and loads it from memory
 * (the way a program that gets its model from flash, a network or its own
 * archive would), creates a session, fills input 0 and runs it.
 *
 * INPUT.txt holds the input's numbers as text, separated by white space
 * (in the order of the tensor's elements); without it the input is a
 * fixed pattern. EXPECTED.txt holds output 0's expected numbers the same
 * way; with it, every output must be within TOLERANCE (default 1e-4) of
 * its expected value, and the program prints "embed-c: ok" and exits 0
 * only then. Without EXPECTED.txt it prints the outputs.
 *
 * Exit status: 0 ok, 1 mismatch or nibble error, 2 bad usage or files. */
#include <nibble/nibble.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The model buffer must be 64-byte aligned and outlive the model. */
enum { kModelAlignment = 64 };

typedef struct aligned_buffer {
  void* data;  /* kModelAlignment-aligned */
  size_t size;
  void* block; /* what to free() */
} aligned_buffer;

static int alloc_aligned(aligned_buffer* buffer, size_t size) {
  /* Round up: aligned_alloc wants a multiple of the alignment. */
  const size_t rounded = (size + kModelAlignment - 1) / kModelAlignment * kModelAlignment;
#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
  buffer->block = aligned_alloc(kModelAlignment, rounded > 0 ? rounded : kModelAlignment);
  buffer->data = buffer->block;
#else
  /* C99 has no aligned_alloc: over-allocate and align by hand. */
  buffer->block = malloc(rounded + kModelAlignment);
  buffer->data = buffer->block == NULL
                     ? NULL
                     : (void*)((char*)buffer->block +
                               (kModelAlignment - (size_t)buffer->block % kModelAlignment) % kModelAlignment);
#endif
  buffer->size = size;
  return buffer->block != NULL;
}

/* Reads a whole file into a 64-byte aligned buffer. */
static int read_model_file(const char* path, aligned_buffer* buffer) {
  FILE* file = fopen(path, "rb");
  long size;
  if (file == NULL) {
    fprintf(stderr, "embed-c: cannot open %s\n", path);
    return 0;
  }
  if (fseek(file, 0, SEEK_END) != 0 || (size = ftell(file)) < 0 || fseek(file, 0, SEEK_SET) != 0) {
    fprintf(stderr, "embed-c: cannot get the size of %s\n", path);
    fclose(file);
    return 0;
  }
  if (!alloc_aligned(buffer, (size_t)size)) {
    fprintf(stderr, "embed-c: out of memory for %ld bytes\n", size);
    fclose(file);
    return 0;
  }
  if (fread(buffer->data, 1, (size_t)size, file) != (size_t)size) {
    fprintf(stderr, "embed-c: cannot read %s\n", path);
    fclose(file);
    free(buffer->block);
    return 0;
  }
  fclose(file);
  return 1;
}

/* Reads exactly count numbers (text, white-space separated) into out. */
static int read_numbers(const char* path, float* out, uint64_t count) {
  FILE* file = fopen(path, "r");
  uint64_t n = 0;
  float value;
  if (file == NULL) {
    fprintf(stderr, "embed-c: cannot open %s\n", path);
    return 0;
  }
  while (fscanf(file, "%f", &value) == 1) {
    if (n == count) {
      fprintf(stderr, "embed-c: %s has more than the %llu numbers expected\n", path, (unsigned long long)count);
      fclose(file);
      return 0;
    }
    out[n++] = value;
  }
  if (!feof(file) || n != count) {
    fprintf(stderr, "embed-c: %s: read %llu numbers, expected %llu\n", path, (unsigned long long)n,
            (unsigned long long)count);
    fclose(file);
    return 0;
  }
  fclose(file);
  return 1;
}

static void print_shape(const char* what, const nibble_tensor_info* info) {
  int32_t d;
  printf("embed-c: %s %s [", what, info->name);
  for (d = 0; d < info->rank; ++d) printf(d == 0 ? "%lld" : ", %lld", (long long)info->dims[d]);
  printf("]\n");
}

int main(int argc, char** argv) {
  const char* model_path;
  const char* input_path;
  const char* expected_path;
  double tolerance = 1e-4;
  aligned_buffer buffer = {NULL, 0, NULL};
  nibble_model* model = NULL;
  nibble_session* session = NULL;
  nibble_session_options options;
  nibble_tensor_info input_info;
  nibble_tensor_info output_info;
  nibble_error error;
  float* input;
  const float* output;
  float* expected = NULL;
  uint64_t i;
  int exit_code = 1;

  if (argc < 2 || argc > 5) {
    fprintf(stderr, "usage: %s MODEL.nbl [INPUT.txt [EXPECTED.txt [TOLERANCE]]]\n", argv[0]);
    return 2;
  }
  model_path = argv[1];
  input_path = argc > 2 ? argv[2] : NULL;
  expected_path = argc > 3 ? argv[3] : NULL;
  if (argc > 4) {
    char* end;
    tolerance = strtod(argv[4], &end);
    if (*end != '\0' || !(tolerance >= 0)) {
      fprintf(stderr, "embed-c: bad tolerance '%s'\n", argv[4]);
      return 2;
    }
  }
  printf("embed-c: %s\n", nibble_cpu_description());

  /* 1. Load the model from memory: nibble verifies the whole file and
   *    reads the weights in place, so the buffer stays alive until
   *    nibble_model_free(). */
  if (!read_model_file(model_path, &buffer)) return 2;
  if (nibble_model_load_buffer(buffer.data, buffer.size, &model, &error) != NIBBLE_OK) {
    fprintf(stderr, "embed-c: %s: %s (%s)\n", model_path, error.message, nibble_status_string(error.status));
    goto done;
  }
  if (nibble_model_num_inputs(model) < 1 || nibble_model_num_outputs(model) < 1 ||
      nibble_model_input_info(model, 0, &input_info) != NIBBLE_OK ||
      nibble_model_output_info(model, 0, &output_info) != NIBBLE_OK) {
    fprintf(stderr, "embed-c: %s has no input or no output\n", model_path);
    goto done;
  }
  print_shape("input", &input_info);
  print_shape("output", &output_info);

  /* 2. A session: its arena, thread pool and per-op state are allocated
   *    here, once. */
  nibble_session_options_init(&options);
  options.num_threads = 1;
  if (nibble_session_create(model, &options, &session, &error) != NIBBLE_OK) {
    fprintf(stderr, "embed-c: session: %s (%s)\n", error.message, nibble_status_string(error.status));
    goto done;
  }

  /* 3. Write the input where the session wants it. */
  input = nibble_session_input(session, 0);
  if (input_path != NULL) {
    if (!read_numbers(input_path, input, input_info.numel)) {
      exit_code = 2;
      goto done;
    }
  } else {
    for (i = 0; i < input_info.numel; ++i) input[i] = (float)((int)(i * 37 % 101) - 50) / 50.0f;
  }

  /* 4. Run (allocates nothing) and read the output in place. */
  if (nibble_session_run(session, &error) != NIBBLE_OK) {
    fprintf(stderr, "embed-c: run: %s (%s)\n", error.message, nibble_status_string(error.status));
    goto done;
  }
  output = nibble_session_output(session, 0);

  if (expected_path == NULL) {
    for (i = 0; i < output_info.numel; ++i) printf("%.9g\n", (double)output[i]);
    exit_code = 0;
    goto done;
  }

  /* 5. Compare with the expected numbers. */
  expected = (float*)malloc((size_t)output_info.numel * sizeof(float));
  if (expected == NULL || !read_numbers(expected_path, expected, output_info.numel)) {
    exit_code = 2;
    goto done;
  }
  {
    double max_diff = 0.0;
    uint64_t worst = 0;
    for (i = 0; i < output_info.numel; ++i) {
      double diff = (double)output[i] - (double)expected[i];
      if (diff < 0) diff = -diff;
      if (diff > max_diff || diff != diff) { /* diff != diff: NaN */
        max_diff = diff;
        worst = i;
        if (diff != diff) break;
      }
    }
    if (max_diff <= tolerance) {
      printf("embed-c: ok (%llu outputs, max |diff| %.3g <= %.3g)\n", (unsigned long long)output_info.numel, max_diff,
             tolerance);
      exit_code = 0;
    } else {
      printf("embed-c: MISMATCH: output %llu is %.9g, expected %.9g (|diff| %.3g > %.3g)\n", (unsigned long long)worst,
             (double)output[worst], (double)expected[worst], max_diff, tolerance);
    }
  }

done:
  /* 6. Session before model, model before its buffer. */
  free(expected);
  nibble_session_free(session);
  nibble_model_free(model);
  free(buffer.block);
  return exit_code;
}
