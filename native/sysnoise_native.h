/* SysNoise native shim: prefixed exports (sn_), status codes, caller-freed buffers.
 * Errors never exit(): libjpeg errors longjmp back to the entry point, which returns a status and
 * copies the library's own message into the caller's buffer. */
#ifndef SYSNOISE_NATIVE_H
#define SYSNOISE_NATIVE_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define SN_EXPORT __declspec(dllexport)
#else
#define SN_EXPORT __attribute__((visibility("default")))
#endif

typedef enum sn_status {
    SN_OK = 0,
    SN_ERR_ARGUMENT = 1,    /* a null pointer, a zero length, an impossible size */
    SN_ERR_CORRUPT = 2,     /* the data is not a valid file of its format */
    SN_ERR_UNSUPPORTED = 3, /* valid, but a kind SysNoise does not handle (e.g. CMYK JPEG) */
    SN_ERR_MEMORY = 4,      /* allocation failed */
    SN_ERR_LIMIT = 5,       /* over a configured limit (pixels, scans) */
} sn_status;

#define SN_JPEG_WARNINGS_CAPACITY 512
#define SN_JPEG_DEFAULT_MAX_PIXELS 100000000LL
#define SN_JPEG_DEFAULT_MAX_SCANS 1000
#define SN_JPEG_MAX_COMPONENTS 4

/* Resource limits for hostile input; zero fields mean the defaults above. */
typedef struct sn_jpeg_limits {
    int64_t max_pixels;
    int32_t max_scans;
    int32_t reserved;
} sn_jpeg_limits;

/* Warnings libjpeg recovered from (corrupt data, premature end, ...): a count and the distinct messages,
 * newline-separated, truncated to the buffer. */
typedef struct sn_jpeg_report {
    int32_t warning_count;
    char warnings[SN_JPEG_WARNINGS_CAPACITY];
} sn_jpeg_report;

/* One component's quantized DCT coefficients as the entropy decoder left them. */
typedef struct sn_jpeg_component {
    int32_t id;
    int32_t h_samp;
    int32_t v_samp;
    int32_t width_in_blocks;
    int32_t height_in_blocks;
    int32_t downsampled_width;  /* ceil(image_width * h_samp / max_h_samp) */
    int32_t downsampled_height;
    int32_t quant_table;
    uint16_t quant[64];         /* natural (row-major) order */
    int32_t coef_bits[10];      /* progressive: libjpeg's coef_bits[ci][0..9] (zigzag index) after the last scan;
                                   -1 = never sent, >0 = low bits still unknown; all 0 for sequential files */
    int32_t prev_coef_bits[10]; /* progressive: coef_bits before the last scan that covered this component
                                   (libjpeg's coef_bits[ci + num_components]); used for rows past last_good_imcu_row */
    int16_t *blocks;            /* height_in_blocks x width_in_blocks blocks of 64, natural order */
} sn_jpeg_component;

typedef struct sn_jpeg_coefficients {
    int32_t width;
    int32_t height;
    int32_t num_components;
    int32_t color_space;        /* libjpeg J_COLOR_SPACE: 1 grayscale, 2 RGB, 3 YCbCr */
    int32_t max_h_samp;
    int32_t max_v_samp;
    int32_t progressive;
    int32_t arithmetic;
    int32_t restart_interval;
    int32_t data_precision;
    int32_t input_scan_number;   /* scans read */
    int32_t total_imcu_rows;
    int32_t last_good_imcu_row;  /* the last iMCU row decoded before the data ran out (libjpeg's master state) */
    int32_t reserved;
    sn_jpeg_report report;
    sn_jpeg_component components[SN_JPEG_MAX_COMPONENTS];
} sn_jpeg_coefficients;

/* Decoder settings. Zero-initialised means libjpeg's defaults, extended by later variants. */
typedef struct sn_jpeg_decode_options {
    int32_t dct_method;          /* 0 = JDCT_ISLOW (default), 1 = JDCT_IFAST, 2 = JDCT_FLOAT */
    int32_t disable_fancy_upsampling; /* 0 = fancy upsampling (default), 1 = plain replication / merged */
} sn_jpeg_decode_options;

/* A decoded image: H x W x C interleaved uint8, freed with sn_free. */
typedef struct sn_image {
    uint8_t *pixels;
    int32_t width;
    int32_t height;
    int32_t channels;
} sn_image;

SN_EXPORT int32_t sn_version(void);

SN_EXPORT void sn_free(void *pointer);

/* Reference decode by libjpeg-turbo itself: RGB (3 channels), or 1 channel for a grayscale file.
 * limits and report may be NULL. */
SN_EXPORT sn_status sn_jpeg_decode(const uint8_t *data, uint64_t length, const sn_jpeg_decode_options *options,
                                   const sn_jpeg_limits *limits, sn_image *image, sn_jpeg_report *report,
                                   char *message, uint64_t message_capacity);

/* Entropy-decodes a baseline, extended or progressive JPEG into its quantized coefficients (no IDCT), in two
 * steps so that the caller can receive the blocks in its own memory (one copy, no intermediate buffer):
 *   sn_jpeg_coefficients_open   decodes and fills *header (geometry, quant tables, warnings; blocks = NULL);
 *   sn_jpeg_coefficients_copy   copies one component's blocks (header.components[ci] sizes) to the caller;
 *   sn_jpeg_coefficients_close  releases the reader.
 * The input data must stay valid until close. */
typedef struct sn_jpeg_reader sn_jpeg_reader;

SN_EXPORT sn_status sn_jpeg_coefficients_open(const uint8_t *data, uint64_t length, const sn_jpeg_limits *limits,
                                              sn_jpeg_reader **reader, sn_jpeg_coefficients *header,
                                              char *message, uint64_t message_capacity);

SN_EXPORT sn_status sn_jpeg_coefficients_copy(sn_jpeg_reader *reader, int32_t component, int16_t *destination,
                                              uint64_t capacity, char *message, uint64_t message_capacity);

SN_EXPORT void sn_jpeg_coefficients_close(sn_jpeg_reader *reader);

/* Pipelined reading of a single-scan (sequential, all components interleaved) 8-bit JPEG, so that the caller can
 * transform finished rows while later ones are being entropy-decoded:
 *   sn_jpeg_coefficients_begin   reads the header and fills *header's geometry and quant tables (the ones the scan
 *                                latches); SN_ERR_UNSUPPORTED for other files (use _open);
 *   sn_jpeg_coefficients_decode  entropy-decodes the file on the calling thread, storing (release) into *rows_done
 *                                the number of complete iMCU rows as they finish (-1 until the block rows exist);
 *                                fills the scan count and warnings into *header at the end;
 *   sn_jpeg_coefficients_row     one block row of a component (64 int16 per block, natural order), valid once
 *                                *rows_done (acquire) is past its iMCU row, until close. */
SN_EXPORT sn_status sn_jpeg_coefficients_begin(const uint8_t *data, uint64_t length, const sn_jpeg_limits *limits,
                                               sn_jpeg_reader **reader, sn_jpeg_coefficients *header,
                                               char *message, uint64_t message_capacity);

SN_EXPORT sn_status sn_jpeg_coefficients_decode(sn_jpeg_reader *reader, int32_t *rows_done, sn_jpeg_coefficients *header,
                                                char *message, uint64_t message_capacity);

SN_EXPORT int16_t *sn_jpeg_coefficients_row(sn_jpeg_reader *reader, int32_t component, int32_t block_row);

/* Decodes a PNG to 8-bit gray (1), gray+alpha (2), RGB (3) or RGBA (4); 16-bit samples are reduced to 8. */
SN_EXPORT sn_status sn_png_decode(const uint8_t *data, uint64_t length, sn_image *image, char *message,
                                  uint64_t message_capacity);

/* Encodes H x W x C (C in 1..4) uint8 as PNG into a malloc'd buffer freed with sn_free. */
SN_EXPORT sn_status sn_png_encode(const uint8_t *pixels, int32_t width, int32_t height, int32_t channels,
                                  uint8_t **png, uint64_t *png_length, char *message, uint64_t message_capacity);

/* Internal: copies a message into the caller's buffer, truncating safely. */
void sn_set_message(char *message, size_t capacity, const char *text);

#endif
