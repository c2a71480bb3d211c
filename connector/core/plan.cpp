// placeholder: implemented in a following commit.
#include "connector/core/plan.h"
