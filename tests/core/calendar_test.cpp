#include "connector/core/calendar.h"
#include <gtest/gtest.h>
TEST(Placeholder, Builds) {}
