#include "connector/core/template.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
