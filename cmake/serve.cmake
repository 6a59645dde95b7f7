# The policy server (`groot serve`, issue 16), included at the end of CMakeLists.txt once every
# other target exists. Built only when GROOT_HAVE_ZMQ (libzmq + cppzmq + msgpack-cxx found).
#
#   groot_serve        src/serve/*.cpp: msgpack + .npy codec, request handling, ZeroMQ REP loop.
#                      NO LibTorch; links the processor layer (UTF-8 checks) and ZeroMQ.
#   groot              links groot_serve (the serve verb and `groot bench serve`).
#   groot_serve_tests  tests/serve/*.cpp (codec, protocol, in-process loop with a policy test double).
#   groot_cli_tests    links groot_serve too (tests/cli/test_serve_cli.cpp decodes the replies).
#   fuzz_serve_request tests/fuzz/fuzz_serve_request.cpp (GROOT_BUILD_FUZZ) links groot_serve.
if(NOT GROOT_HAVE_ZMQ)
  if(TARGET fuzz_serve_request)
    set_target_properties(fuzz_serve_request PROPERTIES EXCLUDE_FROM_ALL TRUE)
  endif()
  return()
endif()

file(GLOB GROOT_SERVE_SRC CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/src/serve/*.cpp)
add_library(groot_serve STATIC ${GROOT_SERVE_SRC})
target_include_directories(groot_serve PUBLIC ${CMAKE_SOURCE_DIR}/src)
if(TARGET groot_processor)
  target_link_libraries(groot_serve PUBLIC groot_processor)
else()
  # Before the processor layer existed the UTF-8 helpers lived in groot_model.
  target_link_libraries(groot_serve PUBLIC groot_model)
endif()
if(TARGET groot_zmq)
  target_link_libraries(groot_serve PUBLIC groot_zmq)
else()
  target_include_directories(groot_serve PUBLIC ${ZMQ_INCLUDE} ${CPPZMQ_INCLUDE} ${MSGPACK_INCLUDE})
  target_compile_definitions(groot_serve PUBLIC MSGPACK_NO_BOOST)
  target_link_libraries(groot_serve PUBLIC ${ZMQ_LIB})
endif()
target_compile_options(groot_serve PRIVATE ${GROOT_WARNINGS})

target_link_libraries(groot PRIVATE groot_serve)

if(GROOT_BUILD_TESTS)
  file(GLOB _serve_tests CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/serve/*.cpp)
  if(TARGET groot_processor AND EXISTS ${CMAKE_SOURCE_DIR}/tests/test_no_libtorch.cpp)
    list(APPEND _serve_tests ${CMAKE_SOURCE_DIR}/tests/test_no_libtorch.cpp)  # the server links no LibTorch
  endif()
  add_executable(groot_serve_tests ${_serve_tests} ${CMAKE_SOURCE_DIR}/tests/test_util.cpp)
  target_include_directories(groot_serve_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(groot_serve_tests PRIVATE groot_serve GTest::gtest GTest::gtest_main)
  target_compile_definitions(groot_serve_tests PRIVATE
    GROOT_BINARY="$<TARGET_FILE:groot>" GROOT_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
  gtest_discover_tests(groot_serve_tests DISCOVERY_MODE PRE_TEST DISCOVERY_TIMEOUT 60 PROPERTIES TIMEOUT 1200)
  if(TARGET groot_cli_tests)
    target_link_libraries(groot_cli_tests PRIVATE groot_serve)
  endif()
endif()

if(TARGET fuzz_serve_request)
  target_include_directories(fuzz_serve_request PRIVATE ${CMAKE_SOURCE_DIR}/tests)
  target_link_libraries(fuzz_serve_request PRIVATE groot_serve)
endif()
