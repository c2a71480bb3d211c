// placeholder: implemented in a following commit.
#include "connector/core/letter.h"
