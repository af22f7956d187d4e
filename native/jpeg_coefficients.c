#include "jpeg_common.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Layout of libjpeg-turbo 2.1.5's struct jpeg_decomp_master (jpegint.h, not installed by Debian's -dev
 * package): block smoothing needs last_good_iMCU_row, which only lives there. Checked against the 2.1.5 source;
 * the layout is version-specific, as the smoothing algorithm itself is. */
struct sn_decomp_master_2_1 {
    void (*prepare_for_output_pass)(j_decompress_ptr cinfo);
    void (*finish_output_pass)(j_decompress_ptr cinfo);
    boolean is_dummy_pass;
    JDIMENSION first_iMCU_col;
    JDIMENSION last_iMCU_col;
    JDIMENSION first_MCU_col[MAX_COMPONENTS];
    JDIMENSION last_MCU_col[MAX_COMPONENTS];
    boolean jinit_upsampler_no_alloc;
    JDIMENSION last_good_iMCU_row;
};

/* jpegint.h's coefficient controller (its public part) and jmemmgr.c's virtual block array control block, as
 * libjpeg-turbo 2.1.5 lays them out: the pipelined reader hands out the in-memory rows while the entropy decoder
 * is still filling later ones. Version-specific, like sn_decomp_master_2_1. */
struct sn_d_coef_controller_2_1 {
    void (*start_input_pass)(j_decompress_ptr cinfo);
    int (*consume_data)(j_decompress_ptr cinfo);
    void (*start_output_pass)(j_decompress_ptr cinfo);
    int (*decompress_data)(j_decompress_ptr cinfo, JSAMPIMAGE output_buf);
    jvirt_barray_ptr *coef_arrays;
};

struct sn_jvirt_barray_control_2_1 {
    JBLOCKARRAY mem_buffer;
    JDIMENSION rows_in_array;
    JDIMENSION blocksperrow;
    JDIMENSION maxaccess;
    JDIMENSION rows_in_mem;
};

struct sn_jpeg_reader {
    struct jpeg_decompress_struct cinfo;
    sn_jpeg_error err;
    sn_jpeg_progress progress;
    jvirt_barray_ptr *arrays;
    /* Pipelined mode: iMCU rows whose coefficients are complete (-1 before the rows exist), and each
     * component's block rows, published (release) by the progress monitor on the decoding thread. */
    int32_t *rows_done;
    JBLOCKARRAY rows[SN_JPEG_MAX_COMPONENTS];
};

void sn_jpeg_coefficients_close(sn_jpeg_reader *reader) {
    if (reader == NULL) {
        return;
    }
    jpeg_destroy_decompress(&reader->cinfo);
    free(reader);
}

/* Checks the arguments and allocates a reader with the error manager and progress monitor attached (no libjpeg call
 * that could fail yet); *result holds the reader on SN_OK. */
static sn_status sn_reader_new(const uint8_t *data, uint64_t length, const sn_jpeg_limits *limits, sn_jpeg_reader **result,
                               sn_jpeg_coefficients *out, char *message, uint64_t message_capacity) {
    if (data == NULL || length == 0 || result == NULL || out == NULL) {
        sn_set_message(message, message_capacity, "no data (empty file)");
        return SN_ERR_ARGUMENT;
    }
    *result = NULL;
    memset(out, 0, sizeof(*out));
    sn_jpeg_reader *reader = (sn_jpeg_reader *)calloc(1, sizeof(sn_jpeg_reader));
    if (reader == NULL) {
        sn_set_message(message, message_capacity, "out of memory");
        return SN_ERR_MEMORY;
    }
    sn_jpeg_attach(&reader->cinfo, &reader->err, &reader->progress, limits);
    *result = reader;
    return SN_OK;
}

/* Creates the decompressor over the memory source and reads the header. Errors longjmp to the caller's setjmp. */
static void sn_reader_read_header(sn_jpeg_reader *reader, const uint8_t *data, uint64_t length) {
    j_decompress_ptr cinfo = &reader->cinfo;
    jpeg_create_decompress(cinfo);
    cinfo->progress = &reader->progress.base;
    jpeg_mem_src(cinfo, data, (unsigned long)length);
    jpeg_read_header(cinfo, TRUE);
}

/* The frame and component geometry both readers report. */
static void sn_copy_geometry(j_decompress_ptr cinfo, sn_jpeg_coefficients *out) {
    out->width = (int32_t)cinfo->image_width;
    out->height = (int32_t)cinfo->image_height;
    out->num_components = cinfo->num_components;
    out->color_space = (int32_t)cinfo->jpeg_color_space;
    out->max_h_samp = cinfo->max_h_samp_factor;
    out->max_v_samp = cinfo->max_v_samp_factor;
    out->arithmetic = cinfo->arith_code ? 1 : 0;
    out->restart_interval = (int32_t)cinfo->restart_interval;
    out->data_precision = cinfo->data_precision;
    for (int ci = 0; ci < cinfo->num_components && ci < SN_JPEG_MAX_COMPONENTS; ci++) {
        jpeg_component_info *comp = &cinfo->comp_info[ci];
        sn_jpeg_component *dst = &out->components[ci];
        dst->id = comp->component_id;
        dst->h_samp = comp->h_samp_factor;
        dst->v_samp = comp->v_samp_factor;
        dst->width_in_blocks = (int32_t)comp->width_in_blocks;
        dst->height_in_blocks = (int32_t)comp->height_in_blocks;
        dst->downsampled_width = (int32_t)comp->downsampled_width;
        dst->downsampled_height = (int32_t)comp->downsampled_height;
        dst->quant_table = comp->quant_tbl_no;
    }
}

sn_status sn_jpeg_coefficients_open(const uint8_t *data, uint64_t length, const sn_jpeg_limits *limits,
                                    sn_jpeg_reader **result, sn_jpeg_coefficients *out,
                                    char *message, uint64_t message_capacity) {
    sn_status status = sn_reader_new(data, length, limits, result, out, message, message_capacity);
    if (status != SN_OK) {
        return status;
    }
    sn_jpeg_reader *volatile reader = *result;
    *result = NULL;
    j_decompress_ptr cinfo = &reader->cinfo;
    /* setjmp stays in this frame: it must outlive every libjpeg call that may longjmp. */
    if (setjmp(reader->err.escape)) {
        sn_set_message(message, message_capacity, reader->err.message);
        sn_jpeg_coefficients_close(reader);
        return SN_ERR_CORRUPT;
    }
    sn_reader_read_header(reader, data, length);
    sn_status header = sn_jpeg_check_header(cinfo, limits, message, message_capacity);
    if (header == SN_OK && cinfo->num_components > SN_JPEG_MAX_COMPONENTS) {
        sn_set_message(message, message_capacity, "more than 4 components");
        header = SN_ERR_UNSUPPORTED;
    }
    if (header != SN_OK) {
        sn_jpeg_coefficients_close(reader);
        return header;
    }

    /* Reads every scan (the whole file) into libjpeg's full-image coefficient arrays. */
    reader->arrays = jpeg_read_coefficients(cinfo);

    sn_copy_geometry(cinfo, out);
    out->progressive = cinfo->progressive_mode ? 1 : 0;
    out->input_scan_number = cinfo->input_scan_number;
    out->total_imcu_rows = (int32_t)cinfo->total_iMCU_rows;
    out->last_good_imcu_row = (int32_t)((struct sn_decomp_master_2_1 *)(void *)cinfo->master)->last_good_iMCU_row;
    for (int ci = 0; ci < cinfo->num_components; ci++) {
        jpeg_component_info *comp = &cinfo->comp_info[ci];
        sn_jpeg_component *dst = &out->components[ci];
        if (comp->quant_table == NULL) {
            /* A component no scan ever covered: libjpeg would fail at the first output pass too. */
            sn_set_message(message, message_capacity, "a component has no quantization table");
            sn_jpeg_coefficients_close(reader);
            return SN_ERR_CORRUPT;
        }
        for (int k = 0; k < 64; k++) {
            dst->quant[k] = comp->quant_table->quantval[k];
        }
        int progressive = cinfo->progressive_mode && cinfo->coef_bits != NULL;
        for (int k = 0; k < 10; k++) {
            dst->coef_bits[k] = progressive ? cinfo->coef_bits[ci][k] : 0;
            dst->prev_coef_bits[k] = progressive ? cinfo->coef_bits[ci + cinfo->num_components][k] : 0;
        }
        dst->blocks = NULL;
    }
    out->report.warning_count = reader->err.warning_count;
    memcpy(out->report.warnings, reader->err.warnings, sizeof(out->report.warnings));
    *result = reader;
    return SN_OK;
}

sn_status sn_jpeg_coefficients_copy(sn_jpeg_reader *reader, int32_t component, int16_t *destination, uint64_t capacity,
                                    char *message, uint64_t message_capacity) {
    if (reader == NULL || destination == NULL || component < 0 || component >= reader->cinfo.num_components) {
        sn_set_message(message, message_capacity, "bad component or buffer");
        return SN_ERR_ARGUMENT;
    }
    j_decompress_ptr cinfo = &reader->cinfo;
    jpeg_component_info *comp = &cinfo->comp_info[component];
    size_t row_values = (size_t)comp->width_in_blocks * 64;
    if (capacity < row_values * comp->height_in_blocks) {
        sn_set_message(message, message_capacity, "destination too small");
        return SN_ERR_ARGUMENT;
    }
    if (setjmp(reader->err.escape)) {
        sn_set_message(message, message_capacity, reader->err.message);
        return SN_ERR_CORRUPT;
    }
    for (JDIMENSION by = 0; by < comp->height_in_blocks; by++) {
        JBLOCKARRAY row = (*cinfo->mem->access_virt_barray)((j_common_ptr)cinfo, reader->arrays[component], by, 1, FALSE);
        memcpy(destination + by * row_values, row[0], row_values * sizeof(int16_t));
    }
    return SN_OK;
}

/* Progress monitor hook of the pipelined mode: called before each consume_input, when cinfo->input_iMCU_row rows
 * of the (single) scan are complete. The first call publishes the in-memory block rows. */
static void sn_publish_rows(j_decompress_ptr cinfo, sn_jpeg_progress *progress) {
    sn_jpeg_reader *reader = (sn_jpeg_reader *)((char *)progress - offsetof(sn_jpeg_reader, progress));
    if (reader->rows_done == NULL || cinfo->coef == NULL) {
        return;
    }
    if (__atomic_load_n(reader->rows_done, __ATOMIC_RELAXED) < 0) {
        struct sn_d_coef_controller_2_1 *coef = (struct sn_d_coef_controller_2_1 *)(void *)cinfo->coef;
        for (int ci = 0; ci < cinfo->num_components; ci++) {
            struct sn_jvirt_barray_control_2_1 *array = (struct sn_jvirt_barray_control_2_1 *)(void *)coef->coef_arrays[ci];
            if (array->rows_in_mem < array->rows_in_array) {
                /* Not held in memory (a memory limit): the caller falls back to the copying reader. */
                sn_jpeg_error *err = (sn_jpeg_error *)cinfo->err;
                snprintf(err->message, sizeof(err->message), "coefficients not held in memory");
                longjmp(err->escape, 1);
            }
            reader->rows[ci] = array->mem_buffer;
        }
    }
    __atomic_store_n(reader->rows_done, (int32_t)cinfo->input_iMCU_row, __ATOMIC_RELEASE);
}

sn_status sn_jpeg_coefficients_begin(const uint8_t *data, uint64_t length, const sn_jpeg_limits *limits,
                                     sn_jpeg_reader **result, sn_jpeg_coefficients *out,
                                     char *message, uint64_t message_capacity) {
    sn_status status = sn_reader_new(data, length, limits, result, out, message, message_capacity);
    if (status != SN_OK) {
        return status;
    }
    sn_jpeg_reader *volatile reader = *result;
    *result = NULL;
    j_decompress_ptr cinfo = &reader->cinfo;
    /* setjmp stays in this frame: it must outlive every libjpeg call that may longjmp. */
    if (setjmp(reader->err.escape)) {
        sn_set_message(message, message_capacity, reader->err.message);
        sn_jpeg_coefficients_close(reader);
        return SN_ERR_CORRUPT;
    }
    sn_reader_read_header(reader, data, length);
    sn_status header = sn_jpeg_check_header(cinfo, limits, message, message_capacity);
    if (header == SN_OK && (cinfo->num_components > SN_JPEG_MAX_COMPONENTS || cinfo->progressive_mode ||
                            cinfo->comps_in_scan != cinfo->num_components || cinfo->data_precision != 8)) {
        sn_set_message(message, message_capacity, "not a single-scan file");
        header = SN_ERR_UNSUPPORTED;
    }
    for (int ci = 0; header == SN_OK && ci < cinfo->num_components; ci++) {
        if (cinfo->quant_tbl_ptrs[cinfo->comp_info[ci].quant_tbl_no] == NULL) {
            sn_set_message(message, message_capacity, "a component has no quantization table");
            header = SN_ERR_UNSUPPORTED;
        }
    }
    if (header != SN_OK) {
        sn_jpeg_coefficients_close(reader);
        return header;
    }
    sn_copy_geometry(cinfo, out);
    out->total_imcu_rows = (int32_t)((cinfo->image_height + 8 * cinfo->max_v_samp_factor - 1) / (8 * cinfo->max_v_samp_factor));
    for (int ci = 0; ci < cinfo->num_components; ci++) {
        jpeg_component_info *comp = &cinfo->comp_info[ci];
        sn_jpeg_component *dst = &out->components[ci];
        /* The table the scan will latch (jdinput.c latch_quant_tables): no DQT can come between here and the scan. */
        for (int k = 0; k < 64; k++) {
            dst->quant[k] = cinfo->quant_tbl_ptrs[comp->quant_tbl_no]->quantval[k];
        }
        dst->blocks = NULL;
    }
    *result = reader;
    return SN_OK;
}

sn_status sn_jpeg_coefficients_decode(sn_jpeg_reader *reader, int32_t *rows_done, sn_jpeg_coefficients *out,
                                      char *message, uint64_t message_capacity) {
    if (reader == NULL || rows_done == NULL || out == NULL) {
        sn_set_message(message, message_capacity, "bad reader");
        return SN_ERR_ARGUMENT;
    }
    j_decompress_ptr cinfo = &reader->cinfo;
    __atomic_store_n(rows_done, -1, __ATOMIC_RELAXED);
    reader->rows_done = rows_done;
    reader->progress.on_progress = sn_publish_rows;
    if (setjmp(reader->err.escape)) {
        reader->rows_done = NULL;
        sn_set_message(message, message_capacity, reader->err.message);
        return SN_ERR_CORRUPT;
    }
    reader->arrays = jpeg_read_coefficients(cinfo);
    reader->rows_done = NULL;
    if (reader->rows[0] == NULL) {
        /* No progress call happened (nothing to decode): publish the rows now. */
        struct sn_d_coef_controller_2_1 *coef = (struct sn_d_coef_controller_2_1 *)(void *)cinfo->coef;
        for (int ci = 0; ci < cinfo->num_components; ci++) {
            reader->rows[ci] = ((struct sn_jvirt_barray_control_2_1 *)(void *)coef->coef_arrays[ci])->mem_buffer;
        }
    }
    out->input_scan_number = cinfo->input_scan_number;
    out->total_imcu_rows = (int32_t)cinfo->total_iMCU_rows;
    out->last_good_imcu_row = (int32_t)((struct sn_decomp_master_2_1 *)(void *)cinfo->master)->last_good_iMCU_row;
    out->report.warning_count = reader->err.warning_count;
    memcpy(out->report.warnings, reader->err.warnings, sizeof(out->report.warnings));
    __atomic_store_n(rows_done, (int32_t)cinfo->total_iMCU_rows, __ATOMIC_RELEASE);
    return SN_OK;
}

int16_t *sn_jpeg_coefficients_row(sn_jpeg_reader *reader, int32_t component, int32_t block_row) {
    if (reader == NULL || component < 0 || component >= reader->cinfo.num_components || reader->rows[component] == NULL ||
        block_row < 0 || (JDIMENSION)block_row >= reader->cinfo.comp_info[component].height_in_blocks) {
        return NULL;
    }
    return (int16_t *)reader->rows[component][block_row];
}
