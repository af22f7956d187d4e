#include "sysnoise_native.h"

#include <stdlib.h>
#include <string.h>

/* Bumped when the ABI (structs, signatures) changes; C# checks it at load. */
#define SN_ABI_VERSION 6

int32_t sn_version(void) { return SN_ABI_VERSION; }

void sn_free(void *pointer) { free(pointer); }

void sn_set_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) {
        return;
    }
    size_t n = strlen(text);
    if (n >= capacity) {
        n = capacity - 1;
    }
    memcpy(message, text, n);
    message[n] = '\0';
}
