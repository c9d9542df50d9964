# Packaging for other projects (included at the end of the top-level
# CMakeLists.txt, after every part is defined):
#
#   nibble_shared  libnibble.so: the whole runtime (core, kernels, reference
#                  ops, XNNPACK backend, tokenizer, C and C++ APIs) in one shared
#                  library that exports the public API only (nibble.map);
#                  XNNPACK, pthreadpool and cpuinfo are linked dynamically.
#   nibble_static  libnibble.a: the same objects in one archive.
#
# Both are built from the objects of the existing static libraries, which
# stay as they are for the in-tree users (tools, tests, examples). The
# install rules put the public headers, both libraries, the tools,
# a relocatable CMake package `nibble` (nibble::nibble, nibble::nibble_static)
# and a relocatable pkg-config file nibble.pc under the prefix.
#
# A freestanding build has no shared library, no file system and nothing
# to install.
if(NIBBLE_FREESTANDING)
  return()
endif()

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

set(NIBBLE_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/nibble)
set(NIBBLE_PUBLIC_HEADERS
  ${PROJECT_SOURCE_DIR}/runtime/include/nibble/arena_allocator.h
  ${PROJECT_SOURCE_DIR}/runtime/include/nibble/nibble.h
  ${PROJECT_SOURCE_DIR}/runtime/include/nibble/nibble.hpp
  ${PROJECT_SOURCE_DIR}/runtime/include/nibble/quant.h
  ${PROJECT_SOURCE_DIR}/runtime/include/nibble/status.h
  ${PROJECT_SOURCE_DIR}/runtime/include/nibble/tokenizer.h
  ${PROJECT_SOURCE_DIR}/runtime/include/nibble/tokenizer.hpp)

# ------------------------------------------- what the runtime is made of
# Walk the link graph of nibble_runtime: the project's static (and object)
# libraries give their objects; everything else (library files, imported
# targets such as Threads::Threads, flags) is an external dependency.
# Walking it, rather than listing the parts, keeps the packaged library
# complete when a part gains a new static library.
set(_nibble_pkg_parts "")
set(_nibble_pkg_external "")
set(_nibble_pkg_interfaces "")

function(_nibble_pkg_walk item)
  if(item MATCHES "^\\$<LINK_ONLY:(.*)>$")
    set(item "${CMAKE_MATCH_1}")
  endif()
  if(item STREQUAL "" OR item MATCHES "^(debug|optimized|general)$")
    return()
  endif()
  if(item MATCHES "\\$<")
    message(WARNING "nibble install: link item `${item}` is a generator expression; "
                    "it is passed on to libnibble unchanged and left out of nibble.pc")
  elseif(TARGET ${item})
    get_target_property(_aliased ${item} ALIASED_TARGET)
    if(_aliased)
      set(item ${_aliased})
    endif()
    get_target_property(_imported ${item} IMPORTED)
    get_target_property(_type ${item} TYPE)
    if(NOT _imported AND _type MATCHES "^(STATIC_LIBRARY|OBJECT_LIBRARY|INTERFACE_LIBRARY)$")
      set(_seen ${_nibble_pkg_parts} ${_nibble_pkg_interfaces})
      if(item IN_LIST _seen)
        return()
      endif()
      if(_type STREQUAL "INTERFACE_LIBRARY")
        set(_nibble_pkg_interfaces ${_nibble_pkg_interfaces} ${item} PARENT_SCOPE)
        set(_nibble_pkg_interfaces ${_nibble_pkg_interfaces} ${item})
        get_target_property(_deps ${item} INTERFACE_LINK_LIBRARIES)
      else()
        set(_nibble_pkg_parts ${_nibble_pkg_parts} ${item})
        get_target_property(_direct ${item} LINK_LIBRARIES)
        get_target_property(_iface ${item} INTERFACE_LINK_LIBRARIES)
        set(_deps ${_direct} ${_iface})
      endif()
      foreach(_dep IN LISTS _deps)
        if(NOT _dep MATCHES "-NOTFOUND$")
          _nibble_pkg_walk("${_dep}")
        endif()
      endforeach()
      set(_nibble_pkg_parts ${_nibble_pkg_parts} PARENT_SCOPE)
      set(_nibble_pkg_external ${_nibble_pkg_external} PARENT_SCOPE)
      set(_nibble_pkg_interfaces ${_nibble_pkg_interfaces} PARENT_SCOPE)
      return()
    endif()
  endif()
  if(NOT item IN_LIST _nibble_pkg_external)
    set(_nibble_pkg_external ${_nibble_pkg_external} ${item} PARENT_SCOPE)
  endif()
endfunction()

_nibble_pkg_walk(nibble_runtime)
# The tokenizer extension sits above the runtime; it ships in the same library.
_nibble_pkg_walk(nibble_tokenizer)
list(REMOVE_DUPLICATES _nibble_pkg_external)

set(_nibble_pkg_objects "")
foreach(_part IN LISTS _nibble_pkg_parts)
  list(APPEND _nibble_pkg_objects $<TARGET_OBJECTS:${_part}>)
endforeach()

# The C++ runtime libraries a C program must add to link the static
# library (libstdc++, libm with GCC), as CMake itself computes them for
# mixed-language links.
set(_nibble_pkg_cxx_implicit "")
foreach(_lib IN LISTS CMAKE_CXX_IMPLICIT_LINK_LIBRARIES)
  if(NOT _lib IN_LIST CMAKE_C_IMPLICIT_LINK_LIBRARIES AND NOT _lib IN_LIST _nibble_pkg_cxx_implicit)
    list(APPEND _nibble_pkg_cxx_implicit ${_lib})
  endif()
endforeach()

# Per external dependency: how the installed package names it (imported
# targets made by nibbleConfig.cmake from find_library) and how nibble.pc
# spells it.
set(_nibble_pkg_install_deps "")   # for nibble::nibble_static
set(_nibble_pkg_find_libraries "") # names nibbleConfig.cmake find_library()s
set(_nibble_pkg_libs_private "")   # for nibble.pc
set(_nibble_pkg_needs_threads FALSE)
foreach(_dep IN LISTS _nibble_pkg_external)
  if(_dep STREQUAL "Threads::Threads")
    set(_nibble_pkg_needs_threads TRUE)
    list(APPEND _nibble_pkg_install_deps Threads::Threads)
    if(CMAKE_THREAD_LIBS_INIT)
      list(APPEND _nibble_pkg_libs_private ${CMAKE_THREAD_LIBS_INIT})
    else()
      list(APPEND _nibble_pkg_libs_private -pthread)
    endif()
  elseif(_dep MATCHES "\\$<")
    # Warned about above.
  elseif(IS_ABSOLUTE "${_dep}")
    get_filename_component(_name "${_dep}" NAME)
    string(REGEX REPLACE "^lib" "" _name "${_name}")
    string(REGEX REPLACE "\\.(so|a)(\\..*)?$" "" _name "${_name}")
    list(APPEND _nibble_pkg_find_libraries ${_name})
    list(APPEND _nibble_pkg_install_deps nibble::dep_${_name})
    list(APPEND _nibble_pkg_libs_private -l${_name})
  elseif(_dep MATCHES "^-")
    list(APPEND _nibble_pkg_install_deps ${_dep})
    list(APPEND _nibble_pkg_libs_private ${_dep})
  elseif(TARGET ${_dep})
    message(WARNING "nibble install: imported target ${_dep} is not known to nibbleConfig.cmake; "
                    "nibble::nibble_static will not name it")
  else()
    list(APPEND _nibble_pkg_install_deps ${_dep})
    list(APPEND _nibble_pkg_libs_private -l${_dep})
  endif()
endforeach()
foreach(_lib IN LISTS _nibble_pkg_cxx_implicit)
  list(APPEND _nibble_pkg_install_deps ${_lib})
  list(APPEND _nibble_pkg_libs_private -l${_lib})
endforeach()
list(REMOVE_DUPLICATES _nibble_pkg_libs_private)

# ------------------------------------------------------ nibble_shared
if(PROJECT_VERSION_MAJOR EQUAL 0)
  # Before 1.0 every minor release may change the ABI.
  set(_nibble_soversion ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
else()
  set(_nibble_soversion ${PROJECT_VERSION_MAJOR})
endif()

set(NIBBLE_VERSION_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/nibble.map)
add_library(nibble_shared SHARED ${_nibble_pkg_objects})
add_library(nibble::nibble ALIAS nibble_shared)
add_dependencies(nibble_shared ${_nibble_pkg_parts})
set_target_properties(nibble_shared PROPERTIES
  OUTPUT_NAME nibble
  EXPORT_NAME nibble
  VERSION ${PROJECT_VERSION}
  SOVERSION ${_nibble_soversion}
  LINKER_LANGUAGE CXX
  LIBRARY_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib
  LINK_DEPENDS ${NIBBLE_VERSION_SCRIPT})
target_link_options(nibble_shared PRIVATE "LINKER:--version-script=${NIBBLE_VERSION_SCRIPT}")
if(NOT NIBBLE_SANITIZE)
  # Every symbol resolved at link time (sanitizer runtimes are linked into
  # the executable instead, so not with sanitizers).
  target_link_options(nibble_shared PRIVATE "LINKER:--no-undefined")
endif()
foreach(_dep IN LISTS _nibble_pkg_external)
  target_link_libraries(nibble_shared PRIVATE ${_dep})
endforeach()
target_include_directories(nibble_shared INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/runtime/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)

# ------------------------------------------------------ nibble_static
add_library(nibble_static STATIC ${_nibble_pkg_objects})
add_library(nibble::nibble_static ALIAS nibble_static)
add_dependencies(nibble_static ${_nibble_pkg_parts})
set_target_properties(nibble_static PROPERTIES
  OUTPUT_NAME nibble
  EXPORT_NAME nibble_static
  LINKER_LANGUAGE CXX
  ARCHIVE_OUTPUT_DIRECTORY ${PROJECT_BINARY_DIR}/lib)
target_include_directories(nibble_static INTERFACE
  $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/runtime/include>
  $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>)
foreach(_dep IN LISTS _nibble_pkg_external)
  target_link_libraries(nibble_static INTERFACE $<BUILD_INTERFACE:${_dep}>)
endforeach()
foreach(_lib IN LISTS _nibble_pkg_cxx_implicit)
  target_link_libraries(nibble_static INTERFACE $<BUILD_INTERFACE:${_lib}>)
endforeach()
foreach(_dep IN LISTS _nibble_pkg_install_deps)
  target_link_libraries(nibble_static INTERFACE $<INSTALL_INTERFACE:${_dep}>)
endforeach()

# ------------------------------------------------------------ install
install(FILES ${NIBBLE_PUBLIC_HEADERS}
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/nibble
  COMPONENT nibble_development)

install(TARGETS nibble_shared nibble_static
  EXPORT nibbleTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
    COMPONENT nibble_runtime NAMELINK_COMPONENT nibble_development
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR} COMPONENT nibble_development
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT nibble_runtime)

foreach(_tool nibble-convert nibble-inspect resnet)
  if(TARGET ${_tool})
    install(TARGETS ${_tool} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR} COMPONENT nibble_tools)
  endif()
endforeach()

install(EXPORT nibbleTargets
  NAMESPACE nibble::
  FILE nibbleTargets.cmake
  DESTINATION ${NIBBLE_INSTALL_CMAKEDIR}
  COMPONENT nibble_development)

set(NIBBLE_WITH_XNNPACK_VALUE ${NIBBLE_WITH_XNNPACK})
list(JOIN _nibble_pkg_find_libraries " " NIBBLE_FIND_LIBRARIES)
set(NIBBLE_NEEDS_THREADS ${_nibble_pkg_needs_threads})
configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/nibbleConfig.cmake.in
  ${PROJECT_BINARY_DIR}/nibbleConfig.cmake
  INSTALL_DESTINATION ${NIBBLE_INSTALL_CMAKEDIR})
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/nibbleConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/nibbleConfig.cmake
  ${PROJECT_BINARY_DIR}/nibbleConfigVersion.cmake
  DESTINATION ${NIBBLE_INSTALL_CMAKEDIR}
  COMPONENT nibble_development)

# nibble.pc is relocatable: its prefix is found from its own place
# (${pcfiledir}), so `cmake --install --prefix ANYWHERE` gives a working
# file.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(NIBBLE_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
  set(NIBBLE_PC_LIBDIR "${CMAKE_INSTALL_LIBDIR}")
else()
  file(RELATIVE_PATH _rel "/nibble-root/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/nibble-root")
  string(REGEX REPLACE "/$" "" _rel "${_rel}")
  set(NIBBLE_PC_PREFIX "\${pcfiledir}/${_rel}")
  set(NIBBLE_PC_LIBDIR "\${prefix}/${CMAKE_INSTALL_LIBDIR}")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  set(NIBBLE_PC_INCLUDEDIR "${CMAKE_INSTALL_INCLUDEDIR}")
else()
  set(NIBBLE_PC_INCLUDEDIR "\${prefix}/${CMAKE_INSTALL_INCLUDEDIR}")
endif()
list(JOIN _nibble_pkg_libs_private " " NIBBLE_PC_LIBS_PRIVATE)
configure_file(${CMAKE_CURRENT_LIST_DIR}/nibble.pc.in ${PROJECT_BINARY_DIR}/nibble.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/nibble.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig
  COMPONENT nibble_development)

unset(_nibble_pkg_parts)
unset(_nibble_pkg_interfaces)
unset(_nibble_pkg_external)
