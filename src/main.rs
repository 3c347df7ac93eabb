fn main() -> std::process::ExitCode {
    tgw_generic_rk::doors::lifekeeper::main()
}
