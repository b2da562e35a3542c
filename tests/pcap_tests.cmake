# hunt --pcap: the attack-data captures against expectations read with tshark.
l4s_test(pcap_e2e_test LIBS l4s_pcap SOURCES pcap_e2e_test.cc)
target_compile_definitions(pcap_e2e_test PRIVATE L4S_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
add_dependencies(pcap_e2e_test log4shield)
