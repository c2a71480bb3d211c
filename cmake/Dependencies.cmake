# Every external dependency, found from Debian 12 packages (scripts/install-deps.sh installs them).
find_package(CLI11 2 CONFIG REQUIRED)

find_package(RapidJSON 1.1 CONFIG REQUIRED)
# Debian's RapidJSON config defines no target; this one also fixes its C++20 warnings
# (std::iterator deprecation, reversed operator) by turning off the member-iterator class.
add_library(mahnwerk_rapidjson INTERFACE)
target_include_directories(mahnwerk_rapidjson SYSTEM INTERFACE ${RAPIDJSON_INCLUDE_DIRS})
target_compile_definitions(mahnwerk_rapidjson INTERFACE RAPIDJSON_NOMEMBERITERATORCLASS RAPIDJSON_HAS_STDSTRING=1)

find_package(SQLite3 REQUIRED)
find_package(OpenSSL 3 REQUIRED)
find_package(Boost 1.81 CONFIG REQUIRED)  # header-only: Beast and Asio (adapters/http)
# DATEV XML (LedgerImport, document.xml); amounts are read as text (as_string), never as numbers.
find_package(pugixml 1.13 CONFIG REQUIRED)
# Time zones for the scheduler (GCC 12 has no std::chrono tzdb); reads /usr/share/zoneinfo.
find_package(date 3 CONFIG REQUIRED COMPONENTS date-tz)

if(BUILD_TESTING)
  find_package(GTest 1.12 CONFIG REQUIRED)
  include(GoogleTest)
endif()
if(MAHNWERK_BUILD_BENCH)
  find_package(benchmark CONFIG REQUIRED)
endif()
