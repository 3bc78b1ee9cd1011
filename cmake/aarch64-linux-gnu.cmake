# Cross-builds the addon for Linux arm64 (glibc) on an x64 Debian host with Debian's cross
# compiler (apt-get install g++-aarch64-linux-gnu), as scripts/platform-packages.mjs does:
#   cmake-js compile --out build-linux-arm64-gnu \
#     --CDCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake
# The addon links against the cross libc and libstdc++ only; the Node-API functions stay
# undefined and are resolved against the arm64 node binary when it loads the file.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)
set(CMAKE_FIND_ROOT_PATH /usr/aarch64-linux-gnu)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
